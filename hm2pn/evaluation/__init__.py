"""Evaluation metrics registered into MMPose's METRICS registry."""
