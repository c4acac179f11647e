"""Segmentation metrics: overlap counts, distances, and the name -> function registry."""

from auditapp.metrics.counts import as_label_array, value_pair_counts
from auditapp.metrics.distances import assd, distance_metrics, hausdorff_distance, hd95, nsd
from auditapp.metrics.overlap import (
    accuracy,
    dice,
    gt_size,
    jaccard,
    precision,
    predicted_size,
    sensitivity,
    specificity,
    volume_similarity,
)
from auditapp.metrics.regions import Confusion, Region, region_confusion, regions_from_labels
from auditapp.metrics.registry import METRICS, PairEvaluation, canonical_metric_name, evaluate_pair

__all__ = [
    "METRICS",
    "Confusion",
    "PairEvaluation",
    "Region",
    "accuracy",
    "as_label_array",
    "assd",
    "canonical_metric_name",
    "dice",
    "distance_metrics",
    "evaluate_pair",
    "gt_size",
    "hausdorff_distance",
    "hd95",
    "jaccard",
    "nsd",
    "precision",
    "predicted_size",
    "region_confusion",
    "regions_from_labels",
    "sensitivity",
    "specificity",
    "value_pair_counts",
    "volume_similarity",
]
