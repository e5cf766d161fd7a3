"""Browsing the whole corpus: filter, search the text, list, count, and find a case's neighbours.

Pure functions over `Incident`s; the browse page (ui/browse.py) only draws what they return.
The text search is a plain substring test on NFKC-normalized, case-folded text, never a
regular expression: what a user types (「(株)」, 「*」, 「[要配慮]」) is looked for literally.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from data.records import Incident
from data.years import era_label
from domain.kinds import KIND_VOCABULARY
from index.filters import Filters
from index.searcher import Hit, Searcher

from .citation import body_of

UNKNOWN_YEAR = "年度不明"
SHORT_CHARS = 120  # a description in the table: enough to tell what happened, not only to recognise it
UNCLASSIFIED = "未分類"

# One colour per kind, the same on every chart (and from one visit to the next): Altair's default
# scheme has ten colours and hands them out by order of appearance, so kinds shared colours.
# Hues are far apart, dark and light alternating; the catch-all kinds are grey.
KIND_COLORS: dict[str, str] = {
    "紛失": "#4363d8",
    "誤封入": "#e6194b",
    "誤送付": "#f58231",
    "メール誤送信": "#3cb44b",
    "FAX誤送信": "#911eb4",
    "誤掲載": "#42d4f4",
    "不正アクセス": "#800000",
    "内部不正": "#f032e6",
    "誤廃棄": "#9a6324",
    "誤交付": "#808000",
    "盗難": "#000075",
    "口頭漏えい": "#fabed4",
    "マスキング漏れ": "#469990",
    "設定ミス": "#ffe119",
    "不適切な提供": "#dcbeff",
    "なりすまし・委任状偽造": "#bfef45",
    "その他": "#a9a9a9",
    UNCLASSIFIED: "#d3d3d3",
}
# For a kind added to the vocabulary later: still a colour of its own, not one of the above.
_SPARE_COLORS = ("#aaffc3", "#ffd8b1", "#fffac8", "#000000", "#7f7fff", "#ff7f7f")
SIMILAR_K = 5


def normalized(text: str) -> str:
    """What the text search compares: NFKC (全角Ａ→A, ｶﾅ→カナ), case-folded, spaces folded."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def search_terms(text: str) -> list[str]:
    """The words of a search box: separated by spaces (full-width ones too), each required."""
    return normalized(text).split()


def matches_text(incident: Incident, terms: Sequence[str]) -> bool:
    """Every term occurs somewhere in the description or the measures (literally)."""
    if not terms:
        return True
    haystack = normalized(" ".join([incident.description, *incident.measures]))
    return all(term in haystack for term in terms)


def incident_key(incident: Incident) -> str:
    """Unique across tables (two tables may both number their cases 1, 2, 3…)."""
    return f"{incident.source}#{incident.id}"


def _id_order(incident_id: str) -> tuple:
    # "2" before "10", and "HO-2" before "HO-10": digits compare as numbers.
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", incident_id))


def newest_first(incidents: Iterable[Incident]) -> list[Incident]:
    """Latest fiscal year first; unknown years last; then table and id order."""
    return sorted(
        incidents,
        key=lambda i: (i.fiscal_year is None, -(i.fiscal_year or 0), i.source, _id_order(i.id)),
    )


def body(incident: Incident, labels: Mapping[str, str] | None = None) -> str:
    """The publishing body (公表団体) of a case, as citations name it."""
    return body_of(incident, (labels or {}).get(incident.source))


def bodies(incidents: Iterable[Incident], labels: Mapping[str, str] | None = None) -> list[str]:
    """The publishing bodies of the incidents, most cases first (then by name)."""
    counts = Counter(body(i, labels) for i in incidents)
    return sorted(counts, key=lambda name: (-counts[name], name))


def filter_incidents(
    incidents: Iterable[Incident],
    filters: Filters | None = None,
    text: str = "",
    *,
    only_bodies: Collection[str] = (),
    labels: Mapping[str, str] | None = None,
) -> list[Incident]:
    """The incidents passing the filters, published by one of `only_bodies` (all when empty) and
    containing every word of `text`, newest first."""
    filters = filters or Filters()
    terms = search_terms(text)
    wanted = set(only_bodies)
    return newest_first(
        i
        for i in incidents
        if filters.matches(i) and matches_text(i, terms) and (not wanted or body(i, labels) in wanted)
    )


def year_label(incident: Incident) -> str:
    return era_label(incident.fiscal_year) if incident.fiscal_year is not None else UNKNOWN_YEAR


def short(text: str, limit: int = SHORT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def contractor_label(incident: Incident) -> str:
    return {True: "あり", False: "なし"}.get(incident.contractor, "不明")


def rows(incidents: Iterable[Incident], labels: Mapping[str, str] | None = None) -> list[dict]:
    """One table row per incident, columns named as the page shows them.

    「西暦」 is there so that sorting by year works across eras (令和 sorts before 平成 as text).
    """
    labels = labels or {}
    return [
        {
            "id": inc.id,
            "年度": year_label(inc),
            "公表団体": body(inc, labels),
            "概要": short(inc.description),
            "種類": "・".join(inc.kinds),
            "類型": "・".join(inc.categories),
            "委託先": contractor_label(inc),
            "出典": labels.get(inc.source, inc.source),
            "西暦": inc.fiscal_year,
        }
        for inc in incidents
    ]


# ---- Counting for the charts ------------------------------------------------------------------

Key = Callable[[Incident], str | Sequence[str]]


def by_year(incident: Incident) -> str:
    return year_label(incident)


def by_main_kind(incident: Incident) -> str:
    # The main kind only, so that a stacked bar adds up to the number of incidents.
    return incident.kinds[0] if incident.kinds else UNCLASSIFIED


def kind_color(kind: str) -> str:
    """The colour a kind has on every chart."""
    if kind in KIND_COLORS:
        return KIND_COLORS[kind]
    extra = sorted(k for k in KIND_VOCABULARY if k not in KIND_COLORS)
    return _SPARE_COLORS[(extra.index(kind) if kind in extra else len(extra)) % len(_SPARE_COLORS)]


def kind_scale(kinds: Iterable[str]) -> tuple[list[str], list[str]]:
    """(domain, range) of a colour scale for the kinds a chart shows, in the vocabulary's order."""
    present = set(kinds)
    order = [*KIND_VOCABULARY, UNCLASSIFIED]
    domain = [k for k in order if k in present] + sorted(present - set(order))
    return domain, [kind_color(k) for k in domain]


def by_category(incident: Incident) -> Sequence[str]:
    # An incident may fall under several categories: it counts once under each.
    return incident.categories or ("類型なし",)


def by_source(labels: Mapping[str, str]) -> Key:
    return lambda incident: labels.get(incident.source, incident.source)


def by_body(labels: Mapping[str, str]) -> Key:
    return lambda incident: body(incident, labels)


def _values(key: Key, incident: Incident) -> tuple[str, ...]:
    value = key(incident)
    return (value,) if isinstance(value, str) else tuple(value)


def counts_by(incidents: Iterable[Incident], key: Key, stack: Key | None = None) -> list[dict]:
    """Chart rows {"value", "stack", "count"}: how many incidents have each value (and stack value).

    Rows come most frequent value first; `year_order` gives the chronological order instead.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for incident in incidents:
        stacks = _values(stack, incident) if stack else ("",)
        for value in _values(key, incident):
            for part in stacks:
                counts[(value, part)] += 1
    totals: Counter[str] = Counter()
    for (value, _), n in counts.items():
        totals[value] += n
    ordered = sorted(counts.items(), key=lambda item: (-totals[item[0][0]], item[0][0], -item[1], item[0][1]))
    return [{"value": value, "stack": part, "count": n} for (value, part), n in ordered]


def year_order(incidents: Iterable[Incident]) -> list[str]:
    """Year labels oldest first, 年度不明 last: the x axis of the by-year chart."""
    incidents = list(incidents)
    years = sorted({i.fiscal_year for i in incidents if i.fiscal_year is not None})
    labels = [era_label(year) for year in years]
    return labels + ([UNKNOWN_YEAR] if any(i.fiscal_year is None for i in incidents) else [])


# ---- Neighbours -------------------------------------------------------------------------------


def similar_to(incident: Incident, searcher: Searcher, k: int = SIMILAR_K) -> list[Hit]:
    """The k cases nearest to this one's description, itself left out, ranked 1..k."""
    if not incident.description.strip() or k <= 0:
        return []
    hits = searcher.search(incident.description, top_k=k + 1)
    others = [hit for hit in hits if incident_key(hit.incident) != incident_key(incident)][:k]
    return [dataclasses.replace(hit, rank=rank) for rank, hit in enumerate(others, start=1)]
