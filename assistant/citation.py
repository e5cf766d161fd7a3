"""Where a past case was published, said as a filed document cites it: body, fiscal year, case, URL.

Drafts, study sheets, the chat transcript and the triage result all cite cases here, so they
agree and never show a file path (「data/tables/seed.txt:27」 means nothing to a reader of 決裁
papers). The publishing body (公表団体) is the table's own field when it has one (the other-bodies
table names each case's city), else the label `sources.json` gives the table (the seed's
「千葉市の公表事案（令和4〜6年度）」), else the table's file name — never its folder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from data.catalog import source_label
from data.records import Incident
from data.years import era_label

from .settings import REPO_ROOT

UNKNOWN_YEAR = "年度不明"
UNKNOWN_BODY = "公表団体不明"
# Field names a table may use for the body and the page it published the case on.
BODY_FIELDS = ("body", "公表団体", "団体名")
URL_FIELDS = ("source_url", "url", "出典URL")
# Only plain web addresses are cited: a cell could hold javascript: or data: URLs.
_SAFE_URL = re.compile(r"https?://[^\s()<>\[\]\\\"']+")


@dataclass(frozen=True)
class SourceRef:
    """What a reader needs to find the case again where it was published."""

    body: str  # 鎌倉市, or the table's label when the table has no body column
    year: str  # 令和6年度, or 年度不明
    case_id: str
    url: str = ""  # the published page, only when it is a plain http(s) address

    @property
    def case(self) -> str:
        return f"事案{self.case_id}"

    def text(self) -> str:
        """「鎌倉市・令和6年度・事案HO-001・https://…」: body, year, case and URL when known."""
        return "・".join(part for part in (self.body, self.year, self.case, self.url) if part)


def _field(incident: Incident, names: tuple[str, ...]) -> str:
    for name in names:
        value = " ".join(str(incident.metadata.get(name, "")).split())
        if value:
            return value
    return ""


def table_label(source: str) -> str:
    """The table's label from the `sources.json` beside it, else its file name (never a path)."""
    path = Path(source)
    return source_label(path if path.is_absolute() else REPO_ROOT / path)


def body_of(incident: Incident, label: str | None = None) -> str:
    """The publishing body (公表団体): the case's own field, else the table's label."""
    return _field(incident, BODY_FIELDS) or (label or "").strip() or table_label(incident.source) or UNKNOWN_BODY


def url_of(incident: Incident) -> str:
    url = _field(incident, URL_FIELDS)
    return url if _SAFE_URL.fullmatch(url) else ""


def source_of(incident: Incident, label: str | None = None) -> SourceRef:
    year = era_label(incident.fiscal_year) if incident.fiscal_year is not None else UNKNOWN_YEAR
    return SourceRef(body_of(incident, label), year, incident.id, url_of(incident))


def cite(incident: Incident, labels: Mapping[str, str] | None = None) -> str:
    """「出典: 鎌倉市・令和6年度・事案HO-001・https://…」 for the case (labels: corpus.labels)."""
    return "出典: " + source_of(incident, (labels or {}).get(incident.source)).text()
