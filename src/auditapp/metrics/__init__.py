"""Segmentation metrics: overlap counts, distances, and the name -> function registry."""

from auditapp.metrics.counts import as_label_array, value_pair_counts

__all__ = ["as_label_array", "value_pair_counts"]
