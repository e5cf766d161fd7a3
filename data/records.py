"""The incident record every other part of Zenrei reads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Incident:
    """One past incident, as read from one table.

    Raw fields keep the published text exactly (HTML, PDF breaks and all);
    the plain fields are derived from them for search and display.
    """

    id: str  # the table's own id, or the 1-based position of the incident in its file
    source: str  # path of the table the incident came from, as given to the reader
    line: int  # 1-based line in that file where the incident starts
    fiscal_year: int | None  # Western fiscal year (April–March); None when unknown
    year_raw: str  # the year exactly as written ("R4", "Ｒ５", "令和元年", "2022年度", "")
    description: str  # cleaned: NFKC, HTML stripped, whitespace folded
    categories: tuple[str, ...]  # reporting categories (類型), e.g. ("要配慮",)
    measures: tuple[str, ...]  # individual prevention actions, cleaned
    description_raw: str = ""
    measures_raw: str = ""  # original measure cell(s); continuation blocks joined by "\n"
    metadata: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # Derived by the field's rules (domain/annotate.py) when the corpus is opened; readers leave them empty.
    kinds: tuple[str, ...] = ()  # e.g. ("誤封入", "誤送付"), main kind first
    medium: str | None = None  # 郵送, メール, FAX, 窓口, 電話, Web, システム
    contractor: bool | None = None  # a contractor took part; None = not classified

    @property
    def citation(self) -> str:
        """Stable reference to where the incident is published: 'file:line'."""
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class ReadResult:
    """What a reader returns: the incidents and any non-fatal warnings."""

    incidents: tuple[Incident, ...]
    warnings: tuple[str, ...] = ()


class TableError(ValueError):
    """A table that cannot be read: names the file and line so the user can fix it."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
