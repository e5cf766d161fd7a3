"""From raw rows (whatever the file format) to Incidents: one place for the table rules.

Every format reader yields RawRow values; the rules that make an incident out of them —
continuation rows, ids, duplicate ids, unreadable years, empty descriptions — live here so
CSV, TSV, the seed text and JSONL all behave the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .dates import fiscal_year_of_date
from .records import Incident, ReadResult, TableError
from .text import clean_text, split_categories, split_measures
from .years import parse_fiscal_year

# Long enough to recognise the value in a warning, short enough to keep the warning one line.
_SHOWN_CHARS = 40


@dataclass
class RawRow:
    """One record as published: raw cells, with the line where it starts."""

    line: int
    year: str = ""
    description: str = ""
    categories: tuple[str, ...] = ()  # raw cells or list items; split later
    measures: tuple[str, ...] = ()  # raw blocks; a continuation row adds one
    id: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def is_blank(self) -> bool:
        cells = (self.year, self.description, self.id, *self.categories, *self.measures)
        return not any(cell.strip() for cell in cells) and not any(v.strip() for v in self.metadata.values())


@dataclass
class _Draft:
    """An incident being assembled: its first row plus any continuation rows."""

    first: RawRow
    description: str
    categories: list[str]
    measures: list[str]
    metadata: dict[str, str]
    description_raw: str = ""

    def absorb(self, row: RawRow) -> None:
        if clean_text(row.description):
            # The rest of a cell broken over a page: Japanese text joins with no space.
            self.description = clean_text(self.description + clean_text(row.description))
            self.description_raw += row.description
        self.categories.extend(row.categories)
        self.measures.extend(row.measures)
        for key, value in row.metadata.items():
            old = self.metadata.get(key, "")
            if value.strip() and value != old:
                self.metadata[key] = f"{old}\n{value}" if old.strip() else value


def _shown(value: str) -> str:
    text = clean_text(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def _drafts(path: str, rows: Iterable[RawRow], allow_continuation: bool, year_continues: bool) -> list[_Draft]:
    drafts: list[_Draft] = []
    for row in rows:
        if row.is_blank():
            continue  # blank lines (or rows of empty cells) separate records; they are not records
        description = clean_text(row.description)
        continues = not row.year.strip() and not row.id.strip() and (not description or (year_continues and drafts))
        if allow_continuation and continues:
            # Year and description empty: the published table continues the incident above
            # (more categories, another block of measures) on its own row.
            if not drafts:
                raise TableError(
                    path,
                    row.line,
                    "続きの行 (年度と事案の内容が空) の前に事案がありません (continuation row before any incident)",
                )
            drafts[-1].absorb(row)
            continue
        if not description:
            raise TableError(path, row.line, "事案の内容が空です (description is empty)")
        drafts.append(
            _Draft(row, description, list(row.categories), list(row.measures), dict(row.metadata), row.description)
        )
    return drafts


def build_incidents(
    path: str, rows: Iterable[RawRow], *, allow_continuation: bool, year_continues: bool = False, id_prefix: str = ""
) -> ReadResult:
    """Incidents from the rows of one file, in file order, with warnings for unreadable years.

    Ids are the row's own id when given, else `id_prefix` and the 1-based position of the
    incident in the file; a row's own id equal to another's numbered one is a duplicate.
    A year cell holding a date (発生日 2023年4月1日) gives the fiscal year the date falls in.
    `year_continues` (PDF lists): a row with an empty year cell continues the row above even
    when it has text of its own, as a row broken over a page does.
    """
    incidents: list[Incident] = []
    warnings: list[str] = []
    first_line_of: dict[str, int] = {}
    for position, draft in enumerate(_drafts(path, rows, allow_continuation, year_continues), start=1):
        row = draft.first
        # Ids are shown to users: cleaned like any text, so markup in an id column cannot leak.
        incident_id = clean_text(row.id) or f"{id_prefix}{position}"
        if incident_id in first_line_of:
            earlier = first_line_of[incident_id]
            raise TableError(
                path,
                row.line,
                f"id「{_shown(incident_id)}」が {earlier} 行目と重複しています (duplicate id, also on line {earlier})",
            )
        first_line_of[incident_id] = row.line
        fiscal_year = parse_fiscal_year(row.year) or fiscal_year_of_date(row.year)
        if fiscal_year is None and row.year.strip():
            warnings.append(
                f"{path}:{row.line}: 年度「{_shown(row.year)}」を解釈できません。年度不明として読み込みます "
                "(unrecognised fiscal year, read as unknown)"
            )
        blocks = [block for block in draft.measures if block.strip()]
        incidents.append(
            Incident(
                id=incident_id,
                source=path,
                line=row.line,
                fiscal_year=fiscal_year,
                year_raw=row.year,
                description=draft.description,
                categories=split_categories(*draft.categories),
                measures=tuple(item for block in blocks for item in split_measures(block)),
                description_raw=draft.description_raw,
                measures_raw="\n".join(blocks),
                metadata=draft.metadata,
            )
        )
    return ReadResult(incidents=tuple(incidents), warnings=tuple(warnings))
