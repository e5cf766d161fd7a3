"""Filters a user states in the question itself: 「R6の」「要配慮のみ」「昨年度以降」「他団体の事案」.

Only phrases that read as a request to narrow are taken: a year or category followed by
の事案・だけ・のみ・以降・まで… or standing alone. A year inside a narrative ("令和7年度、障害福祉課
において…") describes the incident, not the search, and is left alone — filtering on it would
hide every precedent, since precedents are older than the incident.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace

from data.years import era_label, parse_fiscal_year
from domain.categories import CATEGORIES
from domain.kinds import KIND_VOCABULARY
from index.filters import Filters

# What turns a mention into a filter request. "の" alone is enough ("R6の誤送付").
_TAIL = r"(?=\s*(?:の|事案|事例|ケース|もの|だけ|のみ|に絞|に限|限定|以降|以後|から|まで|で絞|で検索|$|[〜~～\-ー－]))"
_YEAR = (
    r"(?:令和|平成|[RrHh])(?:元|\d{1,2})(?:年度)?"  # R6, 令和6年度, 令和元年度 (令和7年6月 is a date: no match)
    r"|(?:19|20)\d{2}年度"
    r"|FY\s?(?:19|20)\d{2}"
)
_RELATIVE = {"一昨年度": -2, "昨年度": -1, "前年度": -1, "今年度": 0, "本年度": 0}
_YEAR_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<a>{_YEAR}|{'|'.join(_RELATIVE)})"
    rf"(?:\s*(?:[〜~～\-ー－]|から)\s*(?P<b>{_YEAR}|{'|'.join(_RELATIVE)}))?"
    rf"(?P<bound>\s*(?:以降|以後|から|まで|以前))?{_TAIL}"
)
_CATEGORIES = tuple((re.compile(c.question + _TAIL), c.name) for c in CATEGORIES)
# Kinds and contractors are often mentioned in a narrative (「委託先のサーバーが…」「紛失した」), so
# they become filters only when asked for as such: 「委託先の事案」「誤送付だけ」「委託先が関与した…」.
_STRICT_TAIL = r"(?=\s*(?:の(?:事案|事例|ケース|もの|前例)|事案|事例|だけ|のみ|に絞|に限|限定))"
_CONTRACTOR_RE = re.compile(
    r"(?:委託先|委託業者|受託(?:者|事業者)|業務委託)(?:が(?:関与し|関わっ)た(?:もの|事案|事例)?|" + _STRICT_TAIL + ")"
)
_OTHER_BODIES_RE = re.compile(r"他(?:の)?(?:団体|自治体)" + _TAIL)
_OWN_BODY_RE = re.compile(r"(?:本市|当市|自団体|うち)" + _TAIL)


@dataclass(frozen=True)
class Chip:
    """One filter read from the question, shown so the user can remove it."""

    key: str  # "year", "category:要配慮", "source", "contractor", "kind:誤送付"
    label: str  # what the chip says, e.g. 「令和6年度」「要配慮」「他団体の公表事案」


@dataclass(frozen=True)
class Stated:
    """The filters a message states, and the chips that show them."""

    filters: Filters
    chips: tuple[Chip, ...]
    remainder: str  # the message without the filter phrases (empty for a pure follow-up)

    def without(self, key: str) -> Stated:
        """The same request with one chip removed."""
        f = self.filters
        if key == "year":
            f = replace(f, year_from=None, year_to=None)
        elif key.startswith("category:"):
            f = replace(f, categories=f.categories - {key.split(":", 1)[1]})
        elif key == "source":
            f = replace(f, sources=frozenset())
        elif key == "contractor":
            f = replace(f, contractor=None)
        elif key.startswith("kind:"):
            f = replace(f, kinds=f.kinds - {key.split(":", 1)[1]})
        return Stated(f, tuple(c for c in self.chips if c.key != key), self.remainder)


def current_fiscal_year(today: dt.date) -> int:
    return today.year if today.month >= 4 else today.year - 1


def _year(token: str, today: dt.date) -> int | None:
    if token in _RELATIVE:
        return current_fiscal_year(today) + _RELATIVE[token]
    return parse_fiscal_year(token)


def _year_label(lo: int | None, hi: int | None) -> str:
    if lo is not None and hi is not None:
        return era_label(lo) if lo == hi else f"{era_label(lo)}〜{era_label(hi)}"
    return f"{era_label(lo)}以降" if lo is not None else f"{era_label(hi)}まで"


def read_filters(message: str, *, today: dt.date, labels: Mapping[str, str] | None = None) -> Stated:
    """The filters stated in a message; `labels` maps each table (Incident.source) to its label."""
    text = unicodedata.normalize("NFKC", message)
    year_from = year_to = None
    categories: list[str] = []
    sources: frozenset[str] = frozenset()
    chips: list[Chip] = []
    spans: list[tuple[int, int]] = []

    for match in _YEAR_RE.finditer(text):
        a, b = _year(match["a"], today), _year(match["b"], today) if match["b"] else None
        if a is None or (match["b"] and b is None):
            continue
        bound = (match["bound"] or "").strip()
        lo, hi = (min(a, b), max(a, b)) if b is not None else (a, a)
        if bound in ("以降", "以後", "から") and b is None:
            hi = None
        elif bound in ("まで", "以前") and b is None:
            lo = None
        year_from, year_to = lo, hi
        spans.append(match.span())
        chips = [c for c in chips if c.key != "year"] + [Chip("year", _year_label(lo, hi))]

    for pattern, category in _CATEGORIES:
        for match in pattern.finditer(text):
            spans.append(match.span())
            if category not in categories:
                categories.append(category)
                chips.append(Chip(f"category:{category}", category))

    labels = labels or {}
    others = frozenset(src for src, label in labels.items() if "他団体" in label)
    for pattern, chosen in ((_OTHER_BODIES_RE, others), (_OWN_BODY_RE, frozenset(labels) - others)):
        match = pattern.search(text)
        if match and chosen:
            sources = chosen
            spans.append(match.span())
            chips = [c for c in chips if c.key != "source"]
            chips.append(Chip("source", "・".join(sorted(labels[s] for s in chosen))))

    contractor = None
    if match := _CONTRACTOR_RE.search(text):
        contractor = True
        spans.append(match.span())
        chips.append(Chip("contractor", "委託先が関与"))

    kinds: list[str] = []
    for kind in KIND_VOCABULARY:
        if kind == "その他":
            continue
        for match in re.finditer(re.escape(kind) + _STRICT_TAIL, text):
            spans.append(match.span())
            if kind not in kinds:
                kinds.append(kind)
                chips.append(Chip(f"kind:{kind}", kind))

    filters = Filters(
        year_from=year_from,
        year_to=year_to,
        categories=frozenset(categories),
        sources=sources,
        kinds=frozenset(kinds),
        contractor=contractor,
    )
    return Stated(filters, tuple(chips), _remainder(text, spans))


# Words that only steer ("だけ", "見せて") and carry nothing to search for.
_FILLER_RE = re.compile(
    r"(?:のみ|の(?:事案|事例|ケース|前例|もの)?|だけ|に絞(?:って|る|り込んで)?|に限(?:って|定して)?|限定|で絞(?:って)?|"
    r"以降|以後|から|まで|以前|で|は|を|に|も|と|を?(?:見せて|表示して|教えて|出して)|ください|下さい|して|お願いします?|"
    r"[、。,.!！?？\s〜~～\-ー－])"
)


# 「他団体の事案で、…」: the words that follow a filter phrase belong to it.
_SUFFIX_RE = re.compile(r"(?:の(?:公表)?(?:事案|事例|ケース|前例|もの))?(?:だけ|のみ)?(?:で|から|を|は|の中で)?")


def _remainder(text: str, spans: list[tuple[int, int]]) -> str:
    kept, last = [], 0
    for start, end in sorted(spans):
        end = _SUFFIX_RE.match(text, end).end()
        if start >= last:
            kept.append(text[last:start])
            last = end
    kept.append(text[last:])
    rest = "".join(kept)
    if not _FILLER_RE.sub("", rest):
        return ""
    # 「令和6年度の誤送付」 leaves 「の誤送付」: the particle belonged to the filter phrase.
    return re.sub(r"^[のでをは、,\s]+", "", rest).strip()


def merge(base: Filters, stated: Filters) -> Filters:
    """Filters from the page, overridden field by field by what the question states."""
    year_stated = stated.year_from is not None or stated.year_to is not None
    return Filters(
        year_from=stated.year_from if year_stated else base.year_from,
        year_to=stated.year_to if year_stated else base.year_to,
        categories=stated.categories or base.categories,
        sources=stated.sources or base.sources,
        kinds=stated.kinds or base.kinds,
        contractor=stated.contractor if stated.contractor is not None else base.contractor,
    )
