"""「防止策だけまとめて」: the measures of the cases shown, merged, by theme, without non-measures.

The chat asks the drafting merge (assistant/drafting.py: the same near-duplicate rule and themes
as the 起案 page) and leaves out lines that name no action (assistant/measure_quality.py), so the
count it announces is what it did: wordings in, items out, lines set aside.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.embedder import Embedder
from index.searcher import Hit

from .answer import MeasureLine
from .measure_quality import assess


@dataclass(frozen=True)
class MeasureDigest:
    lines: tuple[MeasureLine, ...]  # merged items, grouped by theme in THEMES order
    set_aside: tuple[MeasureLine, ...]  # lines that are no measure, each with its cases
    wordings: int  # the measure lines of the cases that were merged into `lines`


def digest_measures(hits: tuple[Hit, ...], embedder: Embedder) -> MeasureDigest:
    # Imported here: drafting brings scipy's clustering (about a second), which a plain
    # question, the CLI's search and the page's first paint never need.
    from .drafting import THEMES, SourceMeasure, citation_for, merge_measures

    kept: list[SourceMeasure] = []
    aside: dict[str, list[str]] = {}
    for hit in hits:
        case = citation_for(hit.incident, hit.similarity)
        for text in hit.incident.measures:
            if not text.strip():
                continue
            if assess(text).is_measure:
                kept.append(SourceMeasure(text, case))
            elif hit.incident.id not in aside.setdefault(text, []):
                aside[text].append(hit.incident.id)
    groups = merge_measures(kept, embedder) if kept else []
    lines = [
        MeasureLine(g.text, tuple(c.incident_id for c in g.citations), theme=g.theme, wordings=len(g.variants))
        for g in groups
    ]
    # By theme, in the drafting page's order; within a theme, by support (the merge's order).
    lines.sort(key=lambda line: THEMES.index(line.theme) if line.theme in THEMES else len(THEMES))
    return MeasureDigest(
        lines=tuple(lines),
        set_aside=tuple(MeasureLine(text, tuple(ids)) for text, ids in aside.items()),
        wordings=len(kept),
    )


def digest_summary(shown: int, digest: MeasureDigest) -> str:
    """One true line: how many lines went in, how many items came out, how many were left out."""
    items = len(digest.lines)
    if not items and not digest.set_aside:
        return f"表示中の前例{shown}件には、再発防止策の記載がありません。"
    merged = digest.wordings - items
    total = digest.wordings + sum(len(m.incident_ids) for m in digest.set_aside)
    head = f"表示中の前例{shown}件の再発防止策{total}件を"
    if merged > 0:
        body = f"、同じ趣旨の記述をまとめて{items}項目に整理しました（{merged}件を統合）。"
    else:
        body = f"{items}項目に整理しました（同じ趣旨の重複はありませんでした）。"
    aside = ""
    if digest.set_aside:
        aside = f"具体的な対策を述べていない記述{len(digest.set_aside)}件は、下に分けて示します。"
    return head + body + aside
