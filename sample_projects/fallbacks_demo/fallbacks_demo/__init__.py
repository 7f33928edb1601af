"""fallbacks_demo: compiled and interpreted code side by side."""

__version__ = "0.2.0"
