"""auditapp: audit MRI segmentation datasets and models.

Feature extraction, metric extraction and an analysis dashboard for BraTS-like
brain-tumour datasets. Compatible with the configs and CSV files of AUDIT
(``auditapp`` 0.2.0 on PyPI).
"""

__version__ = "0.3.0.dev0"

__all__ = ["__version__"]
