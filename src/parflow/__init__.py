"""parflow: the workflow engine for a province's yearly PAR Index."""

__version__ = "0.1.0"
