"""Incident tables: reading them (seed text, CSV, TSV, JSONL; for imports also Excel, PDF lists and press-release
pages, see data/formats.py) into `Incident` records."""

from .reader import read_table, read_tables
from .records import Incident, ReadResult, TableError

__all__ = ["Incident", "ReadResult", "TableError", "read_table", "read_tables"]
