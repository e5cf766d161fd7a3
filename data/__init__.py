"""Incident tables: reading them (seed text, CSV, TSV, JSONL) into `Incident` records."""

from .reader import read_table, read_tables
from .records import Incident, ReadResult, TableError

__all__ = ["Incident", "ReadResult", "TableError", "read_table", "read_tables"]
