"""Parley's classifier as a library: labels, segmentation, model inputs, predictor."""
