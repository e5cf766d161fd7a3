"""Importing a user's table into the store: preview, map columns, validate, then commit.

Nothing is stored until `commit(report, store)` is called, after the user has seen the
report; a report with problems stores nothing. Formats: CSV, TSV, Excel (.xlsx, first sheet),
JSONL; text encodings as the readers detect them (UTF-8, UTF-8-BOM, Shift_JIS/CP932, UTF-16).
The rules that make incidents out of rows (continuation rows, years, categories, measures)
are the readers' own (data/rows.py), so an imported case reads like a shipped one.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from data.decoding import MAX_FILE_BYTES, check_cell, load_text, split_lines
from data.jsonl import parse_jsonl_line
from data.reader import plain_text_delimiter
from data.records import Incident, TableError
from data.rows import RawRow, build_incidents
from data.tabular import COLUMNS, HEADER_SCAN_ROWS, column_key, delimited_records
from data.text import clean_text, split_categories, split_measures
from data.xlsx_limits import check_workbook, unreadable_workbook
from data.years import parse_fiscal_year

from .store import Store, StoreError

FIELDS = ("year", "description", "categories", "measures", "id")
FIELD_LABELS = {"year": "年度", "description": "事案の内容", "categories": "類型", "measures": "再発防止策", "id": "id"}
_FIELD_BY_NAME = {**{v: k for k, v in FIELD_LABELS.items()}, **{k: k for k in FIELDS}}
SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".xlsx", ".jsonl", ".ndjson")
SAMPLE_ROWS = 5
_KNOWN = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}

Mapping = dict[str, str]  # field ("year", "description", …) -> header of the column holding it


@dataclass(frozen=True)
class Preview:
    headers: tuple[str, ...]
    sample_rows: tuple[tuple[str, ...], ...]
    suggested_mapping: Mapping  # only the headers we recognise; the user completes it


@dataclass(frozen=True)
class Report:
    source: str  # the file name cited as "source:line"
    incidents: tuple[Incident, ...]
    problems: tuple[str, ...]  # "file:line: what is wrong"; any problem means nothing is stored
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.incidents)


def field_name(name: str) -> str:
    """ "年度" or "year" -> "year"; ValueError for anything else (for --map 年度=列名)."""
    key = name.strip()
    if key in _FIELD_BY_NAME:
        return _FIELD_BY_NAME[key]
    raise ValueError(f"項目「{key}」はありません: {'、'.join(FIELD_LABELS.values())} (unknown field)")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 2023 as 2023.0
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: str) -> list[tuple[int, list[str]]]:
    import openpyxl  # only Excel imports need it

    if Path(path).stat().st_size > MAX_FILE_BYTES:
        raise TableError(path, None, "ファイルが大きすぎます (file too large)")
    check_workbook(path)  # zip bombs: refused from the zip directory, before parsing
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise TableError(path, None, unreadable_workbook(exc)) from None
    try:
        if not book.worksheets:  # openpyxl gives an empty list, not an error
            raise TableError(path, None, "ワークシートがありません (the workbook has no worksheet)")
        rows = []
        number = 0
        try:
            for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if any(c.strip() for c in cells):
                    for cell in cells:
                        check_cell(path, number, cell)
                    rows.append((number, cells))
        except TableError:
            raise
        except Exception as exc:  # the sheet is parsed while iterating: broken XML, a missing shared string
            raise TableError(path, number + 1, unreadable_workbook(exc)) from None
        return rows
    finally:
        book.close()


def _jsonl_rows(path: str) -> list[tuple[int, list[str]]]:
    """JSON objects as a table: the header is every key seen, in first-seen order."""
    objects: list[tuple[int, dict]] = []
    keys: dict[str, None] = {}
    for line, source in enumerate(split_lines(load_text(path)), start=1):
        if source.strip():
            record = parse_jsonl_line(path, line, source)
            objects.append((line, record))
            keys.update(dict.fromkeys(record))

    def text(value: object) -> str:
        if isinstance(value, list):
            return "\n".join(_cell_text(v) for v in value if v is not None)
        return (
            value
            if isinstance(value, str)
            else _cell_text(value)
            if not isinstance(value, dict)
            else json.dumps(value, ensure_ascii=False)
        )

    header = list(keys)
    return [(0, header)] + [(line, [text(obj.get(k)) for k in header]) for line, obj in objects]


def _all_rows(path: str) -> list[tuple[int, list[str]]]:
    """Every non-blank row as (line, cells), header included. TableError when unreadable."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _jsonl_rows(path)
    text = load_text(path)
    if suffix not in (".csv", ".tsv", ".tab") and text.lstrip().startswith("{"):
        return _jsonl_rows(path)
    if suffix in (".csv", ".tsv", ".tab"):
        return list(delimited_records(path, text, "," if suffix == ".csv" else "\t", csv.QUOTE_MINIMAL))
    # Plain text, as the readers take it: the seed format (tabs, quotes literal, a title line
    # above the header) or a CSV saved as .txt.
    delimiter = plain_text_delimiter(text)
    quoting = csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE
    return list(delimited_records(path, text, delimiter, quoting))


def _split_header(rows: list[tuple[int, list[str]]], path: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header is the first row naming a known column (a title line may sit above it), or the
    first row when none does (the user maps the columns)."""
    if not rows:
        raise TableError(path, 1, "ファイルが空です (file is empty)")
    for position, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(column_key(c) in _KNOWN for c in cells):
            return [c.strip() for c in cells], rows[position + 1 :]
    return [c.strip() for c in rows[0][1]], rows[1:]


def suggest_mapping(headers: list[str] | tuple[str, ...]) -> Mapping:
    mapping: Mapping = {}
    for header in headers:
        name = _KNOWN.get(column_key(header))
        if name and name not in mapping:
            mapping[name] = header
    return mapping


def preview(path: str | Path) -> Preview:
    """Headers, the first rows and the columns we recognise. TableError when unreadable."""
    headers, rows = _split_header(_all_rows(str(path)), str(path))
    sample = tuple(tuple(cells) for _, cells in rows[:SAMPLE_ROWS])
    return Preview(tuple(headers), sample, suggest_mapping(headers))


def _raw_rows(headers: list[str], rows: list[tuple[int, list[str]]], mapping: Mapping) -> list[RawRow]:
    column = {name: headers.index(header) for name, header in mapping.items()}
    used = set(column.values())
    raw: list[RawRow] = []
    for line, cells in rows:

        def cell(name: str, cells: list[str] = cells) -> str:
            index = column.get(name)
            return cells[index] if index is not None and index < len(cells) else ""

        metadata = {
            (headers[i] if i < len(headers) and headers[i] else f"列{i + 1}"): value
            for i, value in enumerate(cells)
            if i not in used and value.strip()
        }
        raw.append(
            RawRow(
                line=line,
                year=cell("year"),
                description=cell("description"),
                categories=(cell("categories"),),
                measures=(cell("measures"),),
                id=cell("id"),
                metadata=metadata,
            )
        )
    return raw


def _row_problems(source: str, raw: list[RawRow], taken: set[str]) -> list[str]:
    """Every problem we can name per line, so the user fixes them all in one go."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in raw:
        if row.is_blank():
            continue
        if not clean_text(row.description) and (row.year.strip() or row.id.strip()):
            problems.append(f"{source}:{row.line}: 事案の内容が空です (description is empty)")
        own = clean_text(row.id)
        if own and own in seen:
            problems.append(f"{source}:{row.line}: id「{own}」が {seen[own]} 行目と重複しています (duplicate id)")
        if own and own in taken:
            problems.append(f"{source}:{row.line}: id「{own}」は既に保存されています (id already in the store)")
        if own:
            seen.setdefault(own, row.line)
    return problems


def validate(
    path: str | Path, mapping: Mapping | None = None, *, source: str | None = None, store: Store | None = None
) -> Report:
    """The incidents the file would add, and every problem, without storing anything.

    `source` is the name cited for the file (an upload's own name); `store` lets the report
    name ids that are already stored. Incidents without an id of their own get
    "<file stem>-<position>", so importing one file twice is refused as a duplicate.
    """
    source = source or str(path)
    try:
        headers, rows = _split_header(_all_rows(str(path)), source)
    except TableError as exc:
        return Report(source, (), (f"{source}:{exc.line or 1}: {exc.message}",))
    mapping = dict(suggest_mapping(headers) if mapping is None else mapping)
    problems = [
        f"{source}:1: 列「{header}」がファイルにありません (no such column)"
        for header in mapping.values()
        if header not in headers
    ]
    if "description" not in mapping:
        problems.append(f"{source}:1: 「事案の内容」の列を指定してください (map the description column)")
    if problems:
        return Report(source, (), tuple(problems))
    raw = _raw_rows(headers, rows, mapping)
    taken = store.live_ids() if store is not None else set()
    problems = _row_problems(source, raw, taken)
    stem = Path(source).stem
    try:
        result = build_incidents(source, raw, allow_continuation=True)
    except TableError as exc:
        problems.append(f"{source}:{exc.line}: {exc.message}")
        return Report(source, (), tuple(dict.fromkeys(problems)))
    own_ids = {row.line for row in raw if clean_text(row.id)}
    incidents = []
    for inc in result.incidents:
        if inc.line not in own_ids:
            inc = _with_id(inc, f"{stem}-{inc.id}")
            if inc.id in taken:
                problems.append(
                    f"{source}:{inc.line}: id「{inc.id}」は既に保存されています。"
                    "同じファイルを取り込み済みではありませんか (id already in the store)"
                )
        incidents.append(inc)
    if not incidents and not problems:
        problems.append(f"{source}:1: 事案が 1 件もありません (no incidents in file)")
    return Report(source, tuple(incidents) if not problems else (), tuple(problems), result.warnings)


def _with_id(incident: Incident, new_id: str) -> Incident:
    return dataclasses.replace(incident, id=new_id)


def commit(report: Report, store: Store) -> int:
    """Store the report's incidents in one transaction; StoreError (nothing stored) on problems."""
    if report.problems:
        raise StoreError("問題のある取り込みは保存しません (the report has problems; nothing was stored)")
    if not report.incidents:
        raise StoreError("取り込む事案がありません (nothing to import)")
    return store.add_all(report.incidents, report.source)


def edited(incident: Incident, year: str, description: str, categories: str, measures: str) -> Incident:
    """The incident with fields as a person typed them on the page, by the readers' rules.

    ValueError (Japanese first) when the description is empty.
    """
    if not clean_text(description):
        raise ValueError("事案の内容を入力してください (description is empty)")
    return dataclasses.replace(
        incident,
        year_raw=year.strip(),
        fiscal_year=parse_fiscal_year(year),
        description=clean_text(description),
        description_raw=description,
        categories=split_categories(categories),
        measures=split_measures(measures),
        measures_raw=measures,
    )
