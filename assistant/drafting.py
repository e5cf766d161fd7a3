"""Drafting 再発防止策 from precedents: gather the measures of similar cases and merge repeats.

A privacy officer who has just had an incident writes prevention measures. The nearest past
cases already name them, but the same action comes back in many wordings (「封入前に複数職員で
確認」 five ways). `gather_measures` pools the measures of the top cases, merges near-duplicates
into one item that cites every case that used it, and ranks items by support:

    support(item) = Σ over the distinct cases citing it of similarity(question, case)

where similarity is the cosine `Hit.similarity` between the question and the case's
description, so an action used by several close cases outranks one used by a single case.

The draft the officer edits is a `Draft` of `DraftItem`s, changed only through pure functions
(`set_accepted`, `move_up`, `move_down`, `edit_text`, `add_own`) that return a new draft, so
the page, the CLI and the tests share one model. `draft_document` turns it into a
`documents.Document` (事案の概要 / 類似の前例 / 再発防止策（案）) for Markdown or Word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from data.records import Incident
from data.years import era_label
from domain.themes import OTHER_THEME, THEME_RULES, THEMES, theme_of  # noqa: F401  (drafting's vocabulary)
from index.embedder import QUERY, Embedder
from index.filters import Filters
from index.lexical import char_ngrams
from index.searcher import Hit, Searcher

from .citation import SourceRef, source_of
from .documents import Bullets, Document, Heading, Item, Paragraph

DEFAULT_TOP_K = 8

# Merge rule, measured in bench/draft_merge.py on 122 hand-labelled measures (seed + other
# bodies): two wordings are one action when the average-linkage similarity of their groups is
# at least MERGE_THRESHOLD, where
#     similarity = cosine + LEXICAL_BONUS * max(0, bigram Jaccard - LEXICAL_FLOOR).
# The cosine is e5's with "query: " on both sides (comparing two measures is a symmetric task);
# with "passage: " the best pairwise F1 was 0.53 against 0.75. Blending the whole Jaccard in
# (w*J + (1-w)*cos) lowered F1 (0.72 at w=0.05, 0.63 at 0.15): unrelated measures share generic
# bigrams (個人/情報/徹底). So wording counts only beyond 30% shared bigrams: on the labelled set
# that changes no decision (F1 0.748 with or without it), and it keeps copies and near-copies
# together should another model (ZENREI_MODEL) spread their cosines. 0.905 had the best F1
# (P 0.66, R 0.87); the seed check holds up to 0.915 (above, case 14's wording splits off).
MERGE_THRESHOLD = 0.905
LEXICAL_BONUS = 0.1
LEXICAL_FLOOR = 0.3

SUMMARY_CHARS = 60

# Text that leans on its neighbours: a PDF fragment starting with a particle, a lead-in
# (「以下の…」), a back-reference (「同報告書は…」, 「そのため…」) or a connective (「また、…」). Such
# text is kept as a variant but not chosen to stand for an item while a self-contained wording
# exists. The first four say nothing on their own, so an item worded so starts unticked.
_INCOMPLETE_START = re.compile(r"^(?:[はがをにでともへ][、,]|以下|同(?![様一時])|そのため)")
_DEPENDENT_START = re.compile(rf"{_INCOMPLETE_START.pattern}|^(?:また|特に|なお|さらに)")


@dataclass(frozen=True)
class Citation:
    """One case an item came from: enough to find it again and to cite it in a document."""

    incident_id: str
    year_label: str  # 令和6年度, or 年度不明
    citation: str  # the table's file:line, for machine-readable output only (never shown in documents)
    similarity: float  # cosine between the question and the case's description
    source: SourceRef | None = None  # the publishing body, year, case and URL a document cites

    @property
    def label(self) -> str:
        return f"事案{self.incident_id}（{self.year_label}）"

    @property
    def source_text(self) -> str:
        """「出典: 鎌倉市・令和6年度・事案HO-001・https://…」."""
        return "出典: " + (self.source.text() if self.source else self.label)


@dataclass(frozen=True)
class Precedent:
    """A similar case listed in the draft, with a one-line summary."""

    citation: Citation
    summary: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class MeasureGroup:
    """One action, as worded by every case that used it."""

    text: str  # the representative wording
    variants: tuple[str, ...]  # every distinct wording, the representative first
    citations: tuple[Citation, ...]  # distinct cases, most similar to the question first
    theme: str
    support: float


@dataclass(frozen=True)
class Gathered:
    question: str
    precedents: tuple[Precedent, ...]
    groups: tuple[MeasureGroup, ...]  # by support, highest first


@dataclass(frozen=True)
class SourceMeasure:
    """One measure as one case worded it: what `merge_measures` pools."""

    text: str
    case: Citation


def citation_for(incident: Incident, similarity: float, label: str | None = None) -> Citation:
    """The case as an item cites it; `label` is the table's label (corpus.labels), found when omitted."""
    year = era_label(incident.fiscal_year) if incident.fiscal_year is not None else "年度不明"
    return Citation(incident.id, year, incident.citation, float(similarity), source_of(incident, label))


# PDF extraction and run-together cells leave a connective that tied a measure to the sentence
# before it: 「また、」 alone on a measure reads oddly in a list. The rest of the wording is kept.
_STRAY_LEAD = re.compile(r"^\s*また\s*[、，,]\s*")


def published_measure(text: str) -> str:
    """A measure in its published wording, without a stray leading 「また、」."""
    stripped = _STRAY_LEAD.sub("", text).strip()
    return stripped or text.strip()


def one_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence, cut to `limit` characters: enough to recognise a case."""
    first = text.split("。")[0].strip() or text.strip()
    return first if len(first) <= limit else first[: limit - 1] + "…"


def bigram_jaccard(texts: Sequence[str]) -> np.ndarray:
    """Pairwise Jaccard of character-bigram sets (punctuation-split, NFKC, lower-cased)."""
    grams = [set(char_ngrams(text, (2,))) for text in texts]
    n = len(grams)
    out = np.eye(n, dtype=np.float64)
    for i in range(n):
        for j in range(i + 1, n):
            union = len(grams[i] | grams[j])
            out[i, j] = out[j, i] = len(grams[i] & grams[j]) / union if union else 0.0
    return out


def combine(semantic: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """The merge similarity: the model's cosine, plus a bonus for wording shared beyond the floor."""
    return semantic + LEXICAL_BONUS * np.clip(lexical - LEXICAL_FLOOR, 0.0, None)


def measure_similarity(texts: Sequence[str], embedder: Embedder) -> np.ndarray:
    """Pairwise merge similarity of measures (see `combine`)."""
    if not texts:
        return np.zeros((0, 0))
    vectors = np.asarray(embedder.embed(list(texts), QUERY), dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1.0, norms)
    return combine(np.clip(vectors @ vectors.T, -1.0, 1.0), bigram_jaccard(texts))


def cluster(similarity: np.ndarray, threshold: float = MERGE_THRESHOLD) -> list[list[int]]:
    """Average-linkage groups whose members are, on average, at least `threshold` alike.

    Average rather than single linkage: single linkage chains A~B~C into one group even when
    A and C say different things; average linkage asks a newcomer to resemble the whole group.
    Groups come out in order of their first member.
    """
    n = similarity.shape[0]
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    distance = np.clip(1.0 - (similarity + similarity.T) / 2.0, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    labels = fcluster(linkage(squareform(distance, checks=False), method="average"), 1.0 - threshold, "distance")
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda members: members[0])


def _representative(members: Sequence[int], texts: Sequence[str], similarity: np.ndarray) -> int:
    """The self-contained wording closest to all the others (the medoid); shorter wins ties."""

    def rank(i: int) -> tuple[bool, float, int]:
        others = [j for j in members if j != i]
        centrality = float(np.mean([similarity[i, j] for j in others])) if others else 1.0
        return (bool(_DEPENDENT_START.match(texts[i])), -round(centrality, 3), len(texts[i]))

    return min(members, key=rank)


def _vote_theme(texts: Sequence[str]) -> str:
    themes = [theme_of(text) for text in texts]
    # Most wordings win; a tie goes to the theme listed first.
    return max(THEMES, key=lambda theme: (themes.count(theme), -THEMES.index(theme)))


def merge_measures(
    measures: Sequence[SourceMeasure],
    embedder: Embedder,
    threshold: float = MERGE_THRESHOLD,
) -> list[MeasureGroup]:
    """Merge near-duplicate measures and rank the groups by support (highest first)."""
    texts = [m.text for m in measures]
    similarity = measure_similarity(texts, embedder)
    groups = []
    for members in cluster(similarity, threshold):
        lead = _representative(members, texts, similarity)
        variants = list(dict.fromkeys([texts[lead], *(texts[i] for i in members)]))
        cases: dict[str, Citation] = {}
        for i in members:
            cases.setdefault(measures[i].case.incident_id, measures[i].case)
        citations = tuple(sorted(cases.values(), key=lambda c: -c.similarity))
        groups.append(
            MeasureGroup(
                text=texts[lead],
                variants=tuple(variants),
                citations=citations,
                theme=_vote_theme(variants),
                support=sum(c.similarity for c in citations),
            )
        )
    # Stable sort: equal support keeps the order of first appearance (the nearest case first).
    return sorted(groups, key=lambda g: -g.support)


def gather_measures(
    question: str,
    searcher: Searcher,
    *,
    top_k: int = DEFAULT_TOP_K,
    filters: Filters | None = None,
    threshold: float = MERGE_THRESHOLD,
    labels: Mapping[str, str] | None = None,
) -> Gathered:
    """The most similar cases for the question and their measures, merged and ranked.

    `labels` (corpus.labels) name each table in the citations; found beside the table when omitted.
    """
    hits: list[Hit] = searcher.search(question, top_k=top_k, filters=filters) if question.strip() else []
    precedents = []
    measures = []
    for hit in hits:
        case = citation_for(hit.incident, hit.similarity, (labels or {}).get(hit.incident.source))
        precedents.append(Precedent(case, one_line(hit.incident.description), hit.incident.categories))
        measures += [SourceMeasure(published_measure(text), case) for text in hit.incident.measures if text.strip()]
    groups = merge_measures(measures, searcher.embedder, threshold) if measures else []
    return Gathered(question=question, precedents=tuple(precedents), groups=tuple(groups))


# ---- The draft the officer edits -------------------------------------------------------------

PRECEDENT = "precedent"
OWN = "own"
OWN_NOTE = "〔独自の対策〕"
DOCUMENT_TITLE = "再発防止策の検討資料"
DISCLAIMER = "Zenrei（前例）が類似の前例から作成した下書きです。採否と文言は担当者が判断してください。"


@dataclass(frozen=True)
class DraftItem:
    key: str  # stable within a draft, for widget keys: "p1", "p2"… precedents, "o1"… own items
    text: str  # what the document says; the officer may reword it
    theme: str
    citations: tuple[Citation, ...] = ()
    support: float = 0.0
    origin: str = PRECEDENT  # PRECEDENT or OWN
    accepted: bool = True
    variants: tuple[str, ...] = ()  # the precedents' own wordings, for reference


@dataclass(frozen=True)
class Draft:
    question: str
    precedents: tuple[Precedent, ...]
    items: tuple[DraftItem, ...]

    def item(self, key: str) -> DraftItem:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)


def new_draft(gathered: Gathered) -> Draft:
    """Every gathered group as an item, in order of support.

    Items whose wording leans on text that is not there (a lead-in such as 「以下の取扱いについて
    周知を行った。」, a PDF fragment) start unticked: they read oddly on their own.
    """
    items = tuple(
        DraftItem(
            key=f"p{n}",
            text=group.text,
            theme=group.theme,
            citations=group.citations,
            support=group.support,
            accepted=not _INCOMPLETE_START.match(group.text),
            variants=group.variants,
        )
        for n, group in enumerate(gathered.groups, start=1)
    )
    return Draft(question=gathered.question, precedents=gathered.precedents, items=items)


def _replace(draft: Draft, key: str, **changes) -> Draft:
    draft.item(key)  # KeyError for an unknown key, rather than silently doing nothing
    items = tuple(replace(item, **changes) if item.key == key else item for item in draft.items)
    return replace(draft, items=items)


def set_accepted(draft: Draft, key: str, accepted: bool) -> Draft:
    return _replace(draft, key, accepted=bool(accepted))


def edit_text(draft: Draft, key: str, text: str) -> Draft:
    """Reword an item; citations stay, since the action still comes from those cases."""
    return _replace(draft, key, text=" ".join(text.split()))


def _move(draft: Draft, key: str, step: int) -> Draft:
    # The document groups items by theme, so moving past an item of another theme would change
    # nothing the reader sees: an item swaps with its nearest neighbour of the same theme.
    items = list(draft.items)
    here = next(i for i, item in enumerate(items) if item.key == draft.item(key).key)
    same = [i for i, item in enumerate(items) if item.theme == items[here].theme]
    position = same.index(here) + step
    if not 0 <= position < len(same):
        return draft
    there = same[position]
    items[here], items[there] = items[there], items[here]
    return replace(draft, items=tuple(items))


def move_up(draft: Draft, key: str) -> Draft:
    return _move(draft, key, -1)


def move_down(draft: Draft, key: str) -> Draft:
    return _move(draft, key, +1)


def add_own(draft: Draft, text: str, theme: str | None = None) -> Draft:
    """Append the officer's own measure (accepted, no citations); theme by the keyword rules."""
    text = " ".join(text.split())
    if not text:
        raise ValueError("対策の文言を入力してください (the measure is empty)")
    if theme is not None and theme not in THEMES:
        raise ValueError(f"分類「{theme}」はありません: {'、'.join(THEMES)}")
    number = 1 + max((int(item.key[1:]) for item in draft.items if item.origin == OWN), default=0)
    item = DraftItem(key=f"o{number}", text=text, theme=theme or theme_of(text), origin=OWN)
    return replace(draft, items=(*draft.items, item))


def by_theme(items: Sequence[DraftItem]) -> list[tuple[str, list[DraftItem]]]:
    """Items grouped under THEMES in its fixed order (a filed document keeps one layout)."""
    return [(theme, members) for theme in THEMES if (members := [i for i in items if i.theme == theme])]


def citation_note(item: DraftItem) -> str:
    """〔事案12（令和6年度）、事案19（令和6年度）〕, or 〔独自の対策〕 for the officer's own."""
    if not item.citations:
        return OWN_NOTE
    return "〔" + "、".join(c.label for c in item.citations) + "〕"


def draft_document(draft: Draft) -> Document:
    """The draft as a document: the question, the precedents, and the accepted measures by theme."""
    blocks: list = [
        Paragraph(DISCLAIMER, note=True),
        Heading("事案の概要"),
        Paragraph(draft.question),
        Heading("類似の前例"),
    ]
    if draft.precedents:
        blocks.append(
            Bullets(
                tuple(
                    Item(f"{p.citation.label} {p.summary}", f"〔{p.citation.source_text}〕")
                    for p in draft.precedents
                )
            )
        )
    else:
        blocks.append(Paragraph("（類似の前例は見つかりませんでした）"))
    blocks.append(Heading("再発防止策（案）"))
    chosen = [item for item in draft.items if item.accepted and item.text.strip()]
    for theme, members in by_theme(chosen):
        blocks += [Heading(theme, level=2), Bullets(tuple(Item(i.text, citation_note(i)) for i in members))]
    if not chosen:
        blocks.append(Paragraph("（採用した対策はまだありません）"))
    return Document(title=DOCUMENT_TITLE, blocks=tuple(blocks))
