"""Suggested checklist answers, from the incident text and from the nearest precedents.

Every suggestion carries its evidence (which words, which precedents), and suggestions only
pre-fill the checklist: the officer's confirmed answers decide. A suggestion is "yes" or
"unknown", never "no": a keyword that is absent is no evidence that the data was absent.

The text cues live in `domain.triage_cues` (the improper-purpose clues are the kind rules'
own); they are read over the NFKC-normalized text (full-width digits and commas become ASCII).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from data.records import Incident
from domain.categories import BY_FIELD, normalize_category
from domain.triage_cues import FINANCIAL_RULES, IMPROPER_PROMPTS, SENSITIVE_RULES, Rule, improper_clues

from .triage import LOCAL_GOVERNMENT, Checklist, Tri

PRECEDENT_TOP_K = 5

Source = Literal["text", "precedents", "none"]
SOURCE_LABELS = {"text": "本文", "precedents": "前例", "none": "手がかりなし"}


TRI_RULES = {"sensitive": SENSITIVE_RULES, "financial": FINANCIAL_RULES}
TRI_FIELDS = ("sensitive", "improper", "financial")

# Which precedent category backs which checklist field.
CATEGORY_OF_FIELD = {field: BY_FIELD[field].name for field in ("sensitive", "financial", "improper", "people")}


@dataclass(frozen=True)
class Evidence:
    source: Source
    detail: str  # one Japanese phrase: what was seen and why it matters
    ids: tuple[str, ...] = ()  # precedent ids, for precedent evidence


@dataclass(frozen=True)
class Suggestion:
    field: str
    value: Tri | int | None  # Tri for yes/no fields, a count (or None) for people
    evidence: tuple[Evidence, ...]

    @property
    def source(self) -> Source:
        """Where the suggested value itself came from (text outranks precedents)."""
        return self.evidence[0].source if self.evidence else "none"

    def describe(self) -> str:
        return "；".join(e.detail for e in self.evidence) or "手がかりはありません。"


@dataclass(frozen=True)
class PeopleCount:
    value: int
    phrase: str  # as written (normalized), e.g. 「約5万人」
    approximate: bool


# A count: digits with 億/万/千 groups, then a unit. 人・名 count people; 件・世帯・通 are a
# fallback (one record, household or letter stands for at least one person).
_COUNT = re.compile(
    r"(?P<approx>約|およそ|概ね|最大)?(?P<num>(?:\d[\d,]*(?:億|万|千)?)+)(?P<unit>人|名|件|世帯|通)(?P<bun>分)?"
)
# What follows a total rather than the leak: 「1,514件の問い合わせのうち」「115人中」.
_TOTAL_AFTER = re.compile(r"(?:の[^、。\d]{0,12}?)?(?:の)?うち|中")
_GROUP = re.compile(r"(\d[\d,]*)(億|万|千)?")
_MULTIPLIER = {"億": 100_000_000, "万": 10_000, "千": 1_000, "": 1}
_PEOPLE_UNITS = ("人", "名")
_VAGUE = re.compile(r"数(?:十|百|千|万)(?:人|名|件|世帯)")


def _number(text: str) -> int:
    return sum(int(digits.replace(",", "") or 0) * _MULTIPLIER[mult] for digits, mult in _GROUP.findall(text))


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def people_counts(text: str) -> list[PeopleCount]:
    """Every count of people or records in the text, in order; totals before のうち left out."""
    found = []
    text = normalize(text)
    for m in _COUNT.finditer(text):
        if _TOTAL_AFTER.match(text, m.end()):  # 「1,514件のうち1,426件」: the whole, not the leak
            continue
        found.append(
            (
                m.group("unit") in _PEOPLE_UNITS,
                PeopleCount(_number(m.group("num")), m.group(0), bool(m.group("approx"))),
            )
        )
    people = [count for is_people, count in found if is_people]
    return people or [count for _, count in found]


def count_people(text: str) -> PeopleCount | None:
    """The largest count in the text: the leak may involve all of them."""
    counts = people_counts(text)
    return max(counts, key=lambda c: c.value) if counts else None


def _text_evidence(text: str, rules: Sequence[Rule]) -> tuple[Tri | None, list[Evidence]]:
    value: Tri | None = None
    evidence = []
    for rule in rules:
        words = sorted(set(rule.pattern.findall(text)), key=text.find)
        if not words:
            continue
        if value is None or (value == "unknown" and rule.value == "yes"):
            value = rule.value
        quoted = "・".join(f"「{w}」" for w in words[:3])
        evidence.append(Evidence("text", f"本文に{quoted}（{rule.why}）"))
        if rule.value == "yes":
            break  # a clue settles it; prompts after it would only add noise
    return value, evidence


def _improper_evidence(text: str) -> tuple[Tri | None, list[Evidence]]:
    """A clue from the kind rules (attack, theft, pretence, insider misuse) settles it; otherwise the prompts."""
    for phrase, why in improper_clues(text):
        return "yes", [Evidence("text", f"本文に「{phrase}」（{why}）")]
    return _text_evidence(text, IMPROPER_PROMPTS)


def precedent_support(incidents: Iterable[Incident]) -> dict[str, tuple[str, ...]]:
    """Category -> ids of the given precedents that carry it (labels normalized)."""
    support: dict[str, list[str]] = {}
    for incident in incidents:
        for category in dict.fromkeys(normalize_category(c) for c in incident.categories):
            support.setdefault(category, []).append(incident.id)
    return {category: tuple(ids) for category, ids in support.items()}


def _precedent_evidence(category: str, support: dict[str, tuple[str, ...]], searched: int) -> Evidence | None:
    ids = support.get(category, ())
    if not ids:
        return None
    return Evidence("precedents", f"近い前例{searched}件中{len(ids)}件が「{category}」（{', '.join(ids)}）", ids)


def _majority(support: dict[str, tuple[str, ...]], category: str, searched: int) -> bool:
    return searched > 0 and 2 * len(support.get(category, ())) > searched


@dataclass(frozen=True)
class Suggestions:
    sensitive: Suggestion
    improper: Suggestion
    financial: Suggestion
    ordinance: Suggestion
    people: Suggestion
    precedent_ids: tuple[str, ...]  # the precedents looked at, nearest first

    def by_field(self) -> dict[str, Suggestion]:
        return {s.field: s for s in (self.sensitive, self.people, self.improper, self.financial, self.ordinance)}

    def checklist(self, discovered: dt.date, entity: str = LOCAL_GOVERNMENT, **confirmed) -> Checklist:
        """A checklist from the suggestions; any answer given in `confirmed` wins over them."""
        values = {field: s.value for field, s in self.by_field().items()}
        values.update({k: v for k, v in confirmed.items() if v is not None})
        return Checklist(discovered=discovered, entity=entity, **values)


def suggest(text: str, precedents: Sequence[Incident] = ()) -> Suggestions:
    """Suggestions from the text first, then from how the given precedents were categorized.

    A text clue gives "yes"; without one, a majority of precedents carrying the category
    gives "yes"; anything less leaves "unknown" with whatever evidence there is.
    """
    clean = normalize(text)
    support = precedent_support(precedents)
    searched = len(precedents)
    made = {}
    for field in TRI_FIELDS:
        if field == "improper":
            value, evidence = _improper_evidence(clean)
        else:
            value, evidence = _text_evidence(clean, TRI_RULES[field])
        category = CATEGORY_OF_FIELD[field]
        backing = _precedent_evidence(category, support, searched)
        if backing:
            evidence.append(backing)
        if value != "yes" and _majority(support, category, searched):
            value = "yes"
            evidence.insert(0, evidence.pop())  # the precedents are now the source of the value
        made[field] = Suggestion(field, value or "unknown", tuple(evidence))

    count = count_people(clean)
    evidence = []
    if count:
        approx = "（概数）" if count.approximate else ""
        evidence.append(Evidence("text", f"本文の「{count.phrase}」から{count.value:,}人{approx}"))
    elif vague := _VAGUE.search(clean):
        evidence.append(Evidence("text", f"本文に「{vague.group(0)}」：正確な人数を確認してください"))
    backing = _precedent_evidence("100人以上", support, searched)
    if backing:
        evidence.append(backing)
    made["people"] = Suggestion("people", count.value if count else None, tuple(evidence))

    ordinance_note = Evidence("none", "条例で定める項目は団体ごとに異なるため、条例と照らして確認してください")
    made["ordinance"] = Suggestion("ordinance", "unknown", (ordinance_note,))
    return Suggestions(**made, precedent_ids=tuple(i.id for i in precedents))


def nearest_precedents(text: str, searcher, top_k: int = PRECEDENT_TOP_K) -> list[Incident]:
    """The incidents nearest to the text (any object with Searcher.search will do)."""
    if not normalize(text).strip():
        return []
    return [hit.incident for hit in searcher.search(text, top_k=top_k)]


def same_category_precedents(
    incidents: Iterable[Incident], categories: Iterable[str], nearest_ids: Sequence[str] = ()
) -> list[Incident]:
    """Incidents whose categories are exactly the given ones.

    Those among `nearest_ids` (the precedents most like this incident) come first, in that
    order; the rest newest first, unknown years last.
    """
    wanted = frozenset(normalize_category(c) for c in categories)
    if not wanted:
        return []
    same = [i for i in incidents if frozenset(normalize_category(c) for c in i.categories) == wanted]
    closeness = {incident_id: rank for rank, incident_id in enumerate(nearest_ids)}
    return sorted(
        same,
        key=lambda i: (closeness.get(i.id, len(closeness)), i.fiscal_year is None, -(i.fiscal_year or 0)),
    )
