"""End-to-end extraction pipelines: config -> discovery -> per-subject compute -> CSV."""
