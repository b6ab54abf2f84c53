"""Bound paths and query options → SQLAlchemy selects."""
