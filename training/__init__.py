"""Data loading and validation, fine-tuning, evaluation and export."""
