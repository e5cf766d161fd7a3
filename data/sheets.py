"""Any importable table as a grid of text cells under its header: the readers' side of the import.

The importer previews a Sheet, lets the user map its columns and then builds incidents from it
by the readers' rules (data/rows.py). The format is decided once, by data/formats.kind_of, and
each format has one parser: CSV/TSV and the seed text (data/tabular.py), JSON lines
(data/jsonl.py), Excel (data/xlsx.py), PDF lists (data/pdf_tables.py). A PDF may hold several
tables: `read_sheets` returns one Sheet each, labelled with the table's title.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from . import columns
from .decoding import load_text
from .formats import DELIMITERS, kind_of
from .jsonl import parse_jsonl
from .reader import plain_text_delimiter
from .records import TableError
from .tabular import HEADER_SCAN_ROWS, delimited_records

Row = tuple[int, tuple[str, ...]]  # (line, cells)


@dataclass(frozen=True)
class Sheet:
    headers: tuple[str, ...]
    rows: tuple[Row, ...]  # data rows after the header, non-blank
    label: str = ""  # a PDF table's title
    # "blank": a row with empty year and description continues the one above (the seed);
    # "year": an empty year cell is enough (PDF lists, where a row may also break over a page);
    # "none": every row is a record (JSON lines).
    continuation: str = "blank"
    places: dict[int, str] = field(default_factory=dict)  # line -> "p3:5" in PDFs

    def where(self, line: int | None) -> str:
        """How a message cites a line: "5" in text files, "p3:5" (page 3, row 5) in PDFs."""
        if line is None:
            return "1"
        return self.places.get(line, str(line))


def split_header(source: str, rows: list[tuple[int, list[str]]]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header is the first row naming a known column (a title line may sit above it), or the
    first row when none does (the user maps the columns)."""
    if not rows:
        raise TableError(source, 1, "ファイルが空です (file is empty)")
    for position, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(columns.known(c) for c in cells):
            return [c.strip() for c in cells], rows[position + 1 :]
    return [c.strip() for c in rows[0][1]], rows[1:]


def _grid_sheet(source: str, rows: list[tuple[int, list[str]]]) -> Sheet:
    headers, data = split_header(source, rows)
    return Sheet(tuple(headers), tuple((line, tuple(cells)) for line, cells in data))


def _jsonl_sheet(source: str, text: str) -> Sheet:
    """JSON objects as a table (the reader's own parse): the header is every key seen."""
    records = parse_jsonl(source, text)
    if not records:
        raise TableError(source, 1, "ファイルが空です (file is empty)")
    own = [
        name
        for name in ("id", "year", "description", "categories", "measures")
        if any(getattr(r, name) for r in records)
    ]
    keys = dict.fromkeys(own)
    for record in records:
        keys.update(dict.fromkeys(record.metadata))

    def cells(record) -> tuple[str, ...]:
        values = {
            "id": record.id,
            "year": record.year,
            "description": record.description,
            "categories": "\n".join(record.categories),
            "measures": "\n".join(record.measures),
        }
        return tuple(values[k] if k in values else record.metadata.get(k, "") for k in keys)

    return Sheet(tuple(keys), tuple((r.line, cells(r)) for r in records), continuation="none")


class PlacedError(TableError):
    """A TableError cited by page and row ("p3:5") rather than by line: PDF lists."""

    def __init__(self, path: str, place: str, message: str):
        super().__init__(path, None, message)
        self.place = place
        self.args = (f"{path}:{place}: {message}",)

    def __str__(self) -> str:
        return self.args[0]


def read_sheets(path: str) -> tuple[Sheet, ...]:
    """The tables in one file, parsed once. TableError (or PlacedError) naming file and line."""
    kind = kind_of(path)
    if kind == "xlsx":
        from .xlsx import xlsx_rows

        return (_grid_sheet(path, xlsx_rows(path)),)
    if kind == "pdf":
        from .pdf_tables import pdf_sheets

        return pdf_sheets(path)
    if kind == "html":
        raise TableError(path, None, "報道発表のページは表ではありません (a press-release page is not a table)")
    text = load_text(path)
    if kind_of(path, text.lstrip()[:1]) == "jsonl":
        return (_jsonl_sheet(path, text),)
    if kind == "delimited":
        delimiter = DELIMITERS[Path(path).suffix.lower()]
        return (_grid_sheet(path, list(delimited_records(path, text, delimiter, csv.QUOTE_MINIMAL))),)
    # Plain text, as the readers take it: the seed format (tabs, quotes literal, a title line
    # above the header) or a CSV saved as .txt.
    delimiter = plain_text_delimiter(text)
    quoting = csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE
    return (_grid_sheet(path, list(delimited_records(path, text, delimiter, quoting))),)
