"""Results independent of the worker count (issue 11 item 10): the feature CSV is the same bytes for 1 and 2 workers.

The parent process runs ``cpu_cores: 1`` with every BLAS thread; a loky worker gets one BLAS thread.
A BLAS dot product splits its sum over its threads, so feature code must not hand float sums to BLAS.
"""

from __future__ import annotations

from test_features_pipeline import write_subject

from auditapp.config.model import FeatureExtractionConfig, Label
from auditapp.errors import EXIT_OK
from auditapp.pipelines.features import run_feature_extraction

LABELS = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))


def test_feature_csv_is_byte_identical_with_1_and_2_workers(tmp_path):
    """Subjects large enough (> 10,000 brain voxels) that a threaded BLAS dot would split its sums."""
    data = tmp_path / "data"
    shape = (34, 36, 35)
    for n, subject in enumerate(("S1", "S2", "S3")):
        write_subject(data, subject, n, shape=shape)
    outputs = []
    for cores in (1, 2):
        config = FeatureExtractionConfig(data_paths={"DS": data}, output_path=tmp_path / f"out{cores}",
                                         sequences=("_t1", "_t2", "_t1ce", "_flair"), labels=LABELS,
                                         cpu_cores=cores)
        assert run_feature_extraction(config).exit_code == EXIT_OK
        outputs.append((tmp_path / f"out{cores}" / "extracted_information_DS.csv").read_bytes())
    assert outputs[0] == outputs[1]
