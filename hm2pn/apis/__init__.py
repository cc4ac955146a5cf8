"""Inference helpers for the demos and the ONNX export."""
