"""A study sheet for one topic: its cases, their measures, and the measures they have in common.

For training sessions: a trainer picks a topic (a kind such as 誤封入, or any filters) and hands
out the sheet as Word or Markdown (assistant/documents.py writes both). The common measures are
drafting's merge (`merge_measures`) over every case's measures, so 「封入前に複数職員で確認」
worded five ways is one item citing the five cases. Each case counts with similarity 1.0: there
is no question here, so an item's support is simply the number of cases that took it.
"""

from __future__ import annotations

from collections.abc import Sequence

from data.records import Incident
from index.searcher import Searcher

from .browse import newest_first, year_label
from .citation import cite
from .documents import Block, Bullets, Document, Heading, Item, Paragraph
from .drafting import THEMES, MeasureGroup, SourceMeasure, citation_for, merge_measures, published_measure

CASES_HEADING = "事案と再発防止策"
COMMON_HEADING = "共通する再発防止策"
OTHERS_HEADING = "一つの事案だけで講じられた再発防止策"
NOTE = "Zenrei（前例）が公表事案から作成した研修用の資料です。事案の詳細は出典で確認してください。"


def topic_title(kinds: Sequence[str] = ()) -> str:
    """「誤封入の事案から学ぶ」: the title a sheet gets for its topic (「過去の事案から学ぶ」 for all)."""
    return f"{'・'.join(kinds) if kinds else '過去'}の事案から学ぶ"


def common_measures(
    incidents: Sequence[Incident], searcher: Searcher, labels: dict[str, str] | None = None
) -> list[MeasureGroup]:
    """Every case's measures merged into groups, most-cited first."""
    labels = labels or {}
    pooled = [
        SourceMeasure(published_measure(text), citation_for(incident, 1.0, labels.get(incident.source)))
        for incident in incidents
        for text in incident.measures
        if text.strip()
    ]
    return merge_measures(pooled, searcher.embedder) if pooled else []


def _note(group: MeasureGroup) -> str:
    return "〔" + "、".join(c.label for c in group.citations) + "〕"


def _by_theme(groups: Sequence[MeasureGroup]) -> list[Block]:
    blocks: list[Block] = []
    for theme in THEMES:
        members = [g for g in groups if g.theme == theme]
        if members:
            blocks += [Heading(theme, 2), Bullets(tuple(Item(g.text, _note(g)) for g in members))]
    return blocks


def study_sheet(
    incidents: Sequence[Incident],
    searcher: Searcher,
    title: str,
    labels: dict[str, str] | None = None,
) -> Document:
    """The sheet: a summary line, each case with its measures, then the common measures by theme."""
    labels = labels or {}
    cases = newest_first(incidents)
    groups = common_measures(cases, searcher, labels)
    shared = [g for g in groups if len(g.citations) > 1]
    single = [g for g in groups if len(g.citations) <= 1]
    blocks: list[Block] = [
        Paragraph(f"対象の事案: {len(cases)}件。複数の事案に共通する再発防止策: {len(shared)}項目。"),
        Paragraph(NOTE, note=True),
        Heading(CASES_HEADING, 1),
    ]
    for incident in cases:
        kinds = "・".join(incident.kinds)
        heading = f"事案{incident.id}（{year_label(incident)}）" + (f" {kinds}" if kinds else "")
        blocks += [Heading(heading, 2), Paragraph(incident.description or "（記載なし）")]
        if incident.categories:
            blocks.append(Paragraph("類型: " + "・".join(incident.categories), note=True))
        measures = tuple(Item(published_measure(m)) for m in incident.measures if m.strip())
        blocks.append(Bullets(measures) if measures else Paragraph("再発防止策: （記載なし）"))
        blocks.append(Paragraph(cite(incident, labels), note=True))
    blocks.append(Heading(COMMON_HEADING, 1))
    if shared:
        blocks.append(Paragraph("複数の事案で講じられた対策です。〔 〕はその対策を講じた事案です。", note=True))
        blocks += _by_theme(shared)
    else:
        blocks.append(Paragraph("複数の事案に共通する再発防止策はありませんでした。"))
    if single:
        blocks += [Heading(OTHERS_HEADING, 1), *_by_theme(single)]
    return Document(title=title, blocks=tuple(blocks))
