"""Parley: sentence-level boilerplate and negotiation-act labelling for news pages."""

__version__ = "0.1.0"
