"""Fiscal years as Japanese tables write them (R4, Ｒ５, 令和元年度, H31, 2022年度) and back.

We store the Western fiscal year (April–March) and show the era label a Japanese reader
expects. Anything we cannot read with confidence becomes None rather than a guess: a wrong
year silently filters an incident out of a search, an unknown one only loses the filter.
"""

from __future__ import annotations

import re
import unicodedata

# Plausible range for an incident table. Showa 1 (1926) is the oldest era we parse; the upper
# bound rejects typos such as R99 (2117) or 3000 while leaving decades of headroom.
MIN_YEAR = 1926
MAX_YEAR = 2100

# era -> (offset so that year = offset + n, last era year; None = current era)
_ERAS: dict[str, tuple[int, int | None]] = {
    "r": (2018, None),
    "令和": (2018, None),
    "h": (1988, 31),  # H31 = 2019: FY2019 began in April, before Reiwa (May)
    "平成": (1988, 31),
    "s": (1925, 64),
    "昭和": (1925, 64),
}

_ERA_RE = re.compile(r"^(令和|平成|昭和|r|h|s)(元|\d{1,3}|[一二三四五六七八九十]{1,3})(年度|年)?$")
_WESTERN_RE = re.compile(r"^(?:fy)?(\d{4})(?:年度|年)?$")
# "2022-23", "2022/2023", "2022~23年度": a fiscal year written as the two calendar years it spans.
_SPAN_RE = re.compile(r"^(?:fy)?(\d{4})[-/~〜–](\d{2}|\d{4})(?:年度)?$")

_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _kanji_number(text: str) -> int | None:
    """1–99 written in kanji (四, 十, 十二, 二十三); None for anything else."""
    if "十" not in text:
        return _KANJI_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    tens_value = _KANJI_DIGITS.get(tens, 0 if tens == "" else -1)
    ones_value = _KANJI_DIGITS.get(ones, 0 if ones == "" else -1)
    if tens_value < 0 or ones_value < 0:
        return None
    return (tens_value or 1) * 10 + ones_value


def _in_range(year: int) -> int | None:
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _era_year(era: str, number: str) -> int | None:
    if number == "元":
        n: int | None = 1
    elif number.isdigit():
        n = int(number)
    else:
        n = _kanji_number(number)
    if n is None or n < 1:
        return None
    offset, last = _ERAS[era]
    if last is not None and n > last:
        return None  # e.g. H32 or S65: the era had already ended
    return _in_range(offset + n)


def parse_fiscal_year(text: str | None) -> int | None:
    """The Western fiscal year written in `text`, or None when empty, unknown or out of range.

    >>> parse_fiscal_year("Ｒ５"), parse_fiscal_year("令和元年度"), parse_fiscal_year("H31")
    (2023, 2019, 2019)
    """
    if not text:
        return None
    # NFKC folds full-width letters and digits (Ｒ５ -> R5); spaces carry no meaning here.
    norm = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()
    if not norm:
        return None
    if match := _ERA_RE.match(norm):
        return _era_year(match.group(1), match.group(2))
    if match := _WESTERN_RE.match(norm):
        return _in_range(int(match.group(1)))
    if match := _SPAN_RE.match(norm):
        start, end = int(match.group(1)), match.group(2)
        expected = str(start + 1)
        # Only a real April–March span is accepted; "2022-25" is more likely a typo than a year.
        if end == expected or end == expected[-2:]:
            return _in_range(start)
    return None


def era_label(fiscal_year: int) -> str:
    """The label a Japanese reader expects: 2019 -> 令和元年度, 2018 -> 平成30年度, 1989 -> 平成元年度.

    A fiscal year is named after the era in force for most of it: FY2019 (April 2019 – March
    2020) is 令和元年度 and FY1989 is 平成元年度. Before FY1927 we fall back to the Western year.
    """
    if fiscal_year >= 2019:
        era, n = "令和", fiscal_year - 2018
    elif fiscal_year >= 1989:
        era, n = "平成", fiscal_year - 1988
    elif fiscal_year >= 1927:
        era, n = "昭和", fiscal_year - 1925
    else:
        return f"{fiscal_year}年度"
    return f"{era}{'元' if n == 1 else n}年度"


def display_year(fiscal_year: int | None) -> str:
    """For display: "令和6年度 (2024)"; "年度不明" when the year is unknown."""
    if fiscal_year is None:
        return "年度不明"
    label = era_label(fiscal_year)
    return label if label.startswith(str(fiscal_year)) else f"{label} ({fiscal_year})"
