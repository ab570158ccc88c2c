"""Parley: sentence-level boilerplate and negotiation-act labelling for news pages."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("parley")  # pyproject.toml's, as installed
except PackageNotFoundError:  # sources on the path but not installed
    __version__ = "0+unknown"
