"""Dates as batch lists write them (2023年4月1日, 令和5年4月1日, R5.4.1, 2023/04/01) -> fiscal year.

Lists published by date (発生日) rather than by year are filed under the fiscal year the date
falls in (April–March); the date itself stays in the incident's year_raw. Like data/years.py,
anything not read with confidence is None.
"""

from __future__ import annotations

import re
import unicodedata

from .years import MAX_YEAR, MIN_YEAR

_ERA_OFFSET = {"令和": 2018, "r": 2018, "平成": 1988, "h": 1988, "昭和": 1925, "s": 1925}
_SEP = r"\s*(?:[./\-]|年)\s*"
_DAY = r"(?:\s*(?:[./\-]|月)\s*(\d{1,2})日?)?(?:月)?"  # "/1", "月1日", or just "月"
_WESTERN = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_DAY}(?:[t\s].*)?$")  # ISO times after a "T"
_ERA = re.compile(rf"^(令和|平成|昭和|r|h|s)\s*(元|\d{{1,2}}){_SEP}(\d{{1,2}}){_DAY}$")


def _fiscal(year: int, month: int, day: int | None) -> int | None:
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    fiscal = year if month >= 4 else year - 1
    return fiscal if MIN_YEAR <= fiscal <= MAX_YEAR else None


def fiscal_year_of_date(text: str | None) -> int | None:
    """The fiscal year (April–March) a written date falls in; None when it is not a date.

    >>> fiscal_year_of_date("2024年3月31日"), fiscal_year_of_date("令和6年4月1日"), fiscal_year_of_date("R5.4.1")
    (2023, 2024, 2023)
    """
    if not text:
        return None
    norm = unicodedata.normalize("NFKC", text).strip().casefold()
    norm = re.sub(r"[(（][^)）]*[)）]$", "", norm).strip()  # "(月)" weekday notes
    if match := _WESTERN.match(norm):
        year, month, day = match.groups()
        return _fiscal(int(year), int(month), int(day) if day else None)
    if match := _ERA.match(norm):
        era, n, month, day = match.groups()
        year = _ERA_OFFSET[era] + (1 if n == "元" else int(n))
        return _fiscal(year, int(month), int(day) if day else None)
    return None
