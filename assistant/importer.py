"""Importing a user's table into the store: preview, map columns, validate, then commit.

Nothing is stored until `commit(report, store)` is called, after the user has seen the
report; a report with problems stores nothing. The file is parsed once, by the readers
(data/sheets.read_sheets: CSV, TSV, the seed text, Excel, JSONL, PDF lists), into a `Parsed`
that preview and validate share (the data page caches it by content hash). The rules that make
incidents out of rows (continuation rows, years and dates, categories, measures) are the
readers' own (data/rows.py), so an imported case reads like a shipped one. Press-release pages
(HTML) become one incident each: see `press_report`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from data import columns
from data.dates import fiscal_year_of_date
from data.press import PressRelease, press_release_from_text, read_press_release
from data.records import Incident, TableError
from data.rows import RawRow, build_incidents
from data.sheets import PlacedError, Sheet, read_sheets
from data.text import clean_text, split_categories, split_measures
from data.years import parse_fiscal_year

from .store import Store, StoreError

FIELDS = ("year", "description", "categories", "measures", "id")
FIELD_LABELS = {"year": "年度", "description": "事案の内容", "categories": "類型", "measures": "再発防止策", "id": "id"}
_FIELD_BY_NAME = {**{v: k for k, v in FIELD_LABELS.items()}, **{k: k for k in FIELDS}}
SAMPLE_ROWS = 5

Mapping = dict[str, str]  # field ("year", "description", …) -> header of the column holding it


@dataclass(frozen=True)
class Parsed:
    """A file read once: its tables, or the one line saying why it cannot be read."""

    source: str  # the name cited as "source:line" (an upload's own name, or the path)
    sheets: tuple[Sheet, ...] = ()
    problem: str = ""

    def table_labels(self) -> tuple[str, ...]:
        return tuple(_table_label(i, sheet) for i, sheet in enumerate(self.sheets, start=1))


@dataclass(frozen=True)
class Preview:
    headers: tuple[str, ...]
    sample_rows: tuple[tuple[str, ...], ...]
    suggested_mapping: Mapping  # only the headers we recognise; the user completes it
    label: str = ""  # the table's title (PDF lists)


@dataclass(frozen=True)
class Report:
    source: str  # the file name cited as "source:line"
    incidents: tuple[Incident, ...]
    problems: tuple[str, ...]  # "file:line: what is wrong"; any problem means nothing is stored
    warnings: tuple[str, ...] = field(default=())


def field_name(name: str) -> str:
    """ "年度" or "year" -> "year"; ValueError for anything else (for --map 年度=列名)."""
    key = name.strip()
    if key in _FIELD_BY_NAME:
        return _FIELD_BY_NAME[key]
    raise ValueError(f"項目「{key}」はありません: {'、'.join(FIELD_LABELS.values())} (unknown field)")


def _cited(source: str, exc: TableError) -> str:
    place = exc.place if isinstance(exc, PlacedError) else str(exc.line or 1)
    return f"{source}:{place}: {exc.message}"


def parse(path: str | Path, source: str | None = None) -> Parsed:
    """Read the file's tables once; an unreadable file gives a Parsed with its problem line."""
    source = source or str(path)
    try:
        return Parsed(source, read_sheets(str(path)))
    except TableError as exc:
        return Parsed(source, problem=_cited(source, exc))


def _table_label(number: int, sheet: Sheet) -> str:
    first = sheet.where(sheet.rows[0][0]).split(":")[0] if sheet.rows and sheet.places else ""
    where = f"{first}、" if first else ""
    return f"{number}「{sheet.label or '無題'}」({where}{len(sheet.rows)}行)"


def _parsed(target: str | Path | Parsed, source: str | None) -> Parsed:
    return target if isinstance(target, Parsed) else parse(target, source)


def _sheet(parsed: Parsed, table: int | None) -> Sheet:
    """The chosen table (1-based); TableError when there are several and none was chosen."""
    sheets = parsed.sheets
    if table is not None:
        if not 1 <= table <= len(sheets):
            raise TableError(parsed.source, None, f"表 {table} はありません (表は {len(sheets)} つ) (no such table)")
        return sheets[table - 1]
    if len(sheets) > 1:
        raise TableError(
            parsed.source,
            None,
            f"表が {len(sheets)} つあります。取り込む表を選んでください (--table 番号): "
            f"{'、'.join(parsed.table_labels())} (several tables: choose one)",
        )
    return sheets[0]


def suggest_mapping(headers: list[str] | tuple[str, ...]) -> Mapping:
    return columns.suggest(headers)


def preview(target: str | Path | Parsed, table: int | None = None) -> Preview:
    """Headers, the first rows and the columns we recognise. TableError when unreadable."""
    parsed = _parsed(target, None)
    if parsed.problem:
        raise TableError(parsed.source, None, parsed.problem.split(": ", 1)[-1])
    sheet = _sheet(parsed, table if table is not None or len(parsed.sheets) == 1 else 1)
    sample = tuple(cells for _, cells in sheet.rows[:SAMPLE_ROWS])
    return Preview(sheet.headers, sample, suggest_mapping(sheet.headers), sheet.label)


def _raw_rows(sheet: Sheet, mapping: Mapping) -> list[RawRow]:
    headers = list(sheet.headers)
    column = {name: headers.index(header) for name, header in mapping.items()}
    used = set(column.values())
    raw: list[RawRow] = []
    for line, cells in sheet.rows:

        def cell(name: str, cells: tuple[str, ...] = cells) -> str:
            index = column.get(name)
            return cells[index] if index is not None and index < len(cells) else ""

        metadata = {
            (headers[i] if i < len(headers) and headers[i] else f"列{i + 1}"): value
            for i, value in enumerate(cells)
            if i not in used and value.strip()
        }
        if sheet.label:
            metadata["表"] = sheet.label
        if sheet.places:
            metadata["頁"] = sheet.where(line).split(":")[0]
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


def _row_problems(source: str, sheet: Sheet, raw: list[RawRow], taken: set[str]) -> list[str]:
    """Every problem we can name per line, so the user fixes them all in one go."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in raw:
        if row.is_blank():
            continue
        where = f"{source}:{sheet.where(row.line)}"
        if not clean_text(row.description) and (row.year.strip() or row.id.strip()):
            problems.append(f"{where}: 事案の内容が空です (description is empty)")
        own = clean_text(row.id)
        if own and own in seen:
            problems.append(
                f"{where}: id「{own}」が {sheet.where(seen[own])} 行目と重複しています (duplicate id)"
            )
        if own and own in taken:
            problems.append(f"{where}: id「{own}」は既に保存されています (id already in the store)")
        if own:
            seen.setdefault(own, row.line)
    return problems


def validate(
    target: str | Path | Parsed,
    mapping: Mapping | None = None,
    *,
    source: str | None = None,
    store: Store | None = None,
    table: int | None = None,
) -> Report:
    """The incidents the file would add, and every problem, without storing anything.

    `target` is a path or what `parse` made of one; `source` is the name cited for the file (an
    upload's own name); `store` lets the report name ids that are already stored; `table`
    chooses among a PDF's tables (1-based). Incidents without an id of their own get
    "<file stem>-<position>", so importing one file twice is refused as a duplicate.
    """
    parsed = _parsed(target, source)
    source = parsed.source
    if parsed.problem:
        return Report(source, (), (parsed.problem,))
    try:
        sheet = _sheet(parsed, table)
    except TableError as exc:
        return Report(source, (), (_cited(source, exc),))
    headers = list(sheet.headers)
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
    raw = _raw_rows(sheet, mapping)
    taken = store.live_ids() if store is not None else set()
    problems = _row_problems(source, sheet, raw, taken)
    try:
        result = build_incidents(
            source,
            raw,
            allow_continuation=sheet.continuation != "none",
            year_continues=sheet.continuation == "year" and "year" in mapping,
            # Numbered ids carry the file's name, so one file imported twice is refused below; and
            # they are given before duplicates are checked, so "1" in an id column is no clash.
            id_prefix=f"{Path(source).stem}-",
        )
    except TableError as exc:
        problems.append(f"{source}:{sheet.where(exc.line)}: {exc.message}")
        return Report(source, (), tuple(dict.fromkeys(problems)))
    own_ids = {row.line for row in raw if clean_text(row.id)}
    for inc in result.incidents:
        if inc.line not in own_ids and inc.id in taken:
            problems.append(
                f"{source}:{sheet.where(inc.line)}: id「{inc.id}」は既に保存されています。"
                "同じファイルを取り込み済みではありませんか (id already in the store)"
            )
    if not result.incidents and not problems:
        problems.append(f"{source}:1: 事案が 1 件もありません (no incidents in file)")
    return Report(source, result.incidents if not problems else (), tuple(problems), result.warnings)


def parse_press(path: str | Path, source: str | None = None, *, text: str | None = None) -> PressRelease | str:
    """A press-release page (a saved .html, or `text` pasted from one): the release, or the one
    line saying why it cannot be read."""
    source = source or str(path)
    try:
        if text is not None:
            return press_release_from_text(text, source)
        return read_press_release(str(path), source)
    except TableError as exc:
        return _cited(source, exc)


def press_report(
    release: PressRelease,
    *,
    body: str | None = None,
    date: str | None = None,
    year: str | None = None,
    source_url: str | None = None,
    store: Store | None = None,
) -> Report:
    """The one incident a press release adds. What the user gives (`body`, `date` or `year`,
    `source_url`) overrides the page; what neither says is a problem naming the option to use.
    The incident's source is the URL when given, else the file name; its id "<name>-1"."""
    source = (source_url or "").strip() or release.source
    body = (body if body is not None else release.body).strip()
    written = (year or date or release.date or "").strip()
    fiscal_year = parse_fiscal_year(written) or fiscal_year_of_date(written)
    problems = []
    if not clean_text(release.description):
        problems.append(f"{source}:1: 事案の内容が空です (description is empty)")
    if fiscal_year is None:
        shown = f"「{written}」を年度として読めません" if written else "ページに日付がありません"
        problems.append(
            f"{source}:1: {shown}。日付 (--date 2024-03-05) か年度 (--year R6) を指定してください (date needed)"
        )
    if not body:
        problems.append(f"{source}:1: ページに団体名がありません。--body で指定してください (body needed)")
    stem = Path(source.rstrip("/").rsplit("/", 1)[-1]).stem or "press"
    incident_id = f"{stem}-1"
    if store is not None and incident_id in store.live_ids():
        problems.append(
            f"{source}:1: id「{incident_id}」は既に保存されています。同じページを取り込み済みではありませんか "
            "(id already in the store)"
        )
    warnings = () if release.measures else (f"{source}: 再発防止策の節が見つかりません (no measures section)",)
    metadata = {
        "body": body,
        "件名": release.title,
        **({"source_url": source_url.strip()} if source_url and source_url.strip() else {}),
        **({"公表日": release.release_date} if release.release_date else {}),
        **release.sections,
    }
    incident = Incident(
        id=incident_id,
        source=source,
        line=1,
        fiscal_year=fiscal_year,
        year_raw=written,
        description=clean_text(release.description),
        categories=(),
        measures=release.measures,
        description_raw=release.description,
        measures_raw="\n".join(release.measures),
        metadata={k: v for k, v in metadata.items() if v},
    )
    return Report(source, () if problems else (incident,), tuple(problems), warnings)


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
