"""Rows of JSONL tables: one JSON object a line (see shared/data/other_bodies_published.jsonl).

Known fields: id, year, description, categories (a list, or a string such as
"要配慮、100人以上"), measures (a string or a list of strings). Every other field (body,
incident_type, source_url, …) is kept in metadata as a string.
"""

from __future__ import annotations

import json

from .decoding import check_cell, check_text, split_lines
from .records import TableError
from .rows import RawRow

KNOWN_FIELDS = frozenset({"id", "year", "description", "categories", "measures"})


def _scalar(path: str, line: int, name: str, value: object) -> str:
    """A field that should be text; numbers are accepted (year 2022, id 7) and written as text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise TableError(path, line, f"「{name}」は文字列である必要があります (field {name!r} must be a string)")


def _texts(path: str, line: int, name: str, value: object) -> tuple[str, ...]:
    """A field that may be one string or a list of strings."""
    if isinstance(value, list):
        return tuple(_scalar(path, line, name, item) for item in value if item is not None)
    text = _scalar(path, line, name, value)
    return (text,) if text else ()


def _metadata_value(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def parse_jsonl_line(path: str, line: int, source: str) -> dict[str, object]:
    """One JSONL line as a record; TableError naming path and line when it is not one.
    (Also used by the importer, which previews lines before storing them.)"""
    try:
        record = json.loads(source)
    except json.JSONDecodeError as exc:
        raise TableError(path, line, f"JSON として読めません: {exc.msg} ({exc.colno} 文字目) (invalid JSON)") from None
    except RecursionError:
        raise TableError(path, line, "JSON の入れ子が深すぎます (JSON nested too deeply)") from None
    except ValueError:
        # json.loads turns a number of over 4,300 digits into int() and that refuses it.
        raise TableError(path, line, "数値が長すぎます (number too long)") from None
    if not isinstance(record, dict):
        raise TableError(path, line, "1 行に 1 つの JSON オブジェクトが必要です (each line must be a JSON object)")
    try:
        # "\ud800" escapes decode to lone surrogates, which no later step could write out.
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise TableError(path, line, "不正な文字 (サロゲート) が含まれています (lone surrogate in a string)") from None
    for text in _strings(record):
        check_text(path, line, text)
    return record


def _strings(value: object) -> list[str]:
    """Every string in a parsed JSON value, keys included (escapes such as "\\u0000" decoded)."""
    found: list[str] = []
    pending = [value]
    while pending:  # iterative: nesting depth is already bounded by json.loads, but stay flat
        item = pending.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def parse_jsonl(path: str, text: str) -> list[RawRow]:
    """One RawRow per non-blank line; TableError (file:line) for a line that is not an object."""
    rows: list[RawRow] = []
    for line, source in enumerate(split_lines(text), start=1):
        if not source.strip():
            continue
        record = parse_jsonl_line(path, line, source)
        row = RawRow(
            line=line,
            id=_scalar(path, line, "id", record.get("id")),
            year=_scalar(path, line, "year", record.get("year")),
            description=_scalar(path, line, "description", record.get("description")),
            categories=_texts(path, line, "categories", record.get("categories")),
            measures=_texts(path, line, "measures", record.get("measures")),
            metadata={key: _metadata_value(value) for key, value in record.items() if key not in KNOWN_FIELDS},
        )
        for cell in (row.id, row.year, row.description, *row.categories, *row.measures, *row.metadata.values()):
            check_cell(path, line, cell)
        rows.append(row)
    return rows
