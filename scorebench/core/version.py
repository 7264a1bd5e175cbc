"""The version of scorebench (ground: read by the stages and the app alike)."""

__version__ = "0.1.0"
