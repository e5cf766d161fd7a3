"""Rows of delimited tables: the seed's tab-separated text, CSV and TSV.

The header is the first row holding a known column name, so a title line above it (the
seed's 「別紙1 …」) is skipped. Japanese and English column names are accepted; columns we do
not know are kept as metadata. The csv module does the parsing, so quoted cells may hold
delimiters and line breaks; an incident's line is the physical line where its row starts.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator

from .decoding import MAX_CELL_BYTES, check_cell
from .records import TableError
from .rows import RawRow
from .text import clean_text

# Column names as published (compared after NFKC, trimming and case folding).
COLUMNS: dict[str, tuple[str, ...]] = {
    "year": ("年度", "year", "fiscal_year", "fiscal year"),
    "description": ("事案の内容", "事案の概要", "description"),
    "categories": ("類型", "categories", "category"),
    "measures": ("再発防止策", "measures"),
    "id": ("id", "番号", "no", "no."),
}
_FIELD_OF = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}

# A table's header sits near its top; past this many non-blank rows we stop looking.
HEADER_SCAN_ROWS = 20


def column_key(cell: str) -> str:
    """How a header cell is compared with the known column names: NFKC, spaces folded, no BOM."""
    return " ".join(unicodedata.normalize("NFKC", cell).replace("\ufeff", "").split()).casefold()


def looks_like_header(line: str) -> bool:
    """True when a line, split on tabs or commas, names a known column (for format sniffing)."""
    cells = line.replace(",", "\t").split("\t")
    return any(column_key(cell) in _FIELD_OF for cell in cells)


def _header_map(path: str, line: int, cells: list[str]) -> dict[int, str]:
    """Column index -> field name; TableError for a repeated or missing required column."""
    mapping: dict[int, str] = {}
    for index, cell in enumerate(cells):
        name = _FIELD_OF.get(column_key(cell))
        if name is None:
            continue
        if name in mapping.values():
            raise TableError(path, line, f"列「{clean_text(cell)}」が重複しています (duplicate column {name})")
        mapping[index] = name
    if "description" not in mapping.values():
        found = "、".join(clean_text(cell) for cell in cells if clean_text(cell)) or "なし"
        raise TableError(
            path,
            line,
            f"必須の列「事案の内容」(description) がありません。見つかった列: {found} (missing required column)",
        )
    return mapping


def delimited_records(path: str, text: str, delimiter: str, quoting: int) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) for each non-blank row; csv errors become TableError."""
    # The csv default (128 KiB) is below our own cell limit; raise it (never lower it).
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_BYTES + 1))
    # strict: a quote never closed is an error, not a cell that silently swallows every row after
    # it; so is text after a closing quote ("a"b), which would otherwise glue rows together.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting, strict=True)
    end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_error(path, str(exc), end + 1, reader.line_num) from None
        start, end = end + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            for cell in cells:
                check_cell(path, start, cell)
            yield start, cells


def _csv_error(path: str, message: str, start: int, line: int) -> TableError:
    """The csv module's error as the user's: the row where a quote opened, or the line at fault."""
    if "field larger than field limit" in message:
        return TableError(path, line, "セルが大きすぎます (cell larger than 1 MB)")
    if "unexpected end of data" in message:
        return TableError(path, start, "引用符が閉じていません (unterminated quote)")
    if "expected after" in message:
        return TableError(path, line, '閉じた引用符 (") のあとに区切り文字がありません (text after a closing quote)')
    return TableError(path, line, f"表の形式が不正です (malformed table: {message})")


def _row(line: int, cells: list[str], header: list[str], mapping: dict[int, str]) -> RawRow:
    fields: dict[str, str] = {}
    metadata: dict[str, str] = {}
    for index, cell in enumerate(cells):
        if index in mapping:
            fields[mapping[index]] = cell
        elif index < len(header):
            key = header[index].strip() or f"列{index + 1}"
            metadata[f"{key} ({index + 1})" if key in metadata else key] = cell
        elif cell.strip():
            metadata[f"列{index + 1}"] = cell  # cells beyond the header: keep, don't guess
    return RawRow(
        line=line,
        year=fields.get("year", ""),
        description=fields.get("description", ""),
        categories=(fields.get("categories", ""),),
        measures=(fields.get("measures", ""),),
        id=fields.get("id", ""),
        metadata=metadata,
    )


def parse_delimited(path: str, text: str, delimiter: str, *, quoted: bool = True) -> list[RawRow]:
    """Rows after the header. `quoted=False` reads quotes literally (plain text extracts)."""
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    header: list[str] | None = None
    mapping: dict[int, str] = {}
    first: tuple[int, list[str]] | None = None
    rows: list[RawRow] = []
    for scanned, (line, cells) in enumerate(delimited_records(path, text, delimiter, quoting), start=1):
        if header is not None:
            rows.append(_row(line, cells, header, mapping))
            continue
        first = first or (line, cells)
        if any(column_key(cell) in _FIELD_OF for cell in cells):
            header, mapping = cells, _header_map(path, line, cells)
        elif scanned >= HEADER_SCAN_ROWS:
            break
    if header is None:
        if first is None:
            raise TableError(path, 1, "ファイルが空です (file is empty)")
        line, cells = first
        shown = "、".join(clean_text(cell)[:20] for cell in cells[:6] if clean_text(cell))
        raise TableError(
            path,
            line,
            "見出し行が見つかりません。年度・事案の内容・類型・再発防止策 (または year, description, "
            f"categories, measures) の列名が必要です。最初の行: {shown} (no header row)",
        )
    return rows
