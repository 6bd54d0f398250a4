"""opsmaturity: DevOps maturity assessment."""

__version__ = "0.1.0"
