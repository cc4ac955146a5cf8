"""Datasets and dataset tools (the generated occlusion dataset)."""
