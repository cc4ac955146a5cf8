"""Runner hooks for reliable training."""
