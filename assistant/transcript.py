"""The whole chat, with the cases it cited and any draft, as a document for the file (決裁)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from data.years import display_year

from .answer import Answer
from .documents import Block, Bullets, Document, Heading, Item, Paragraph
from .drafting import Draft, draft_document

TITLE = "Zenrei（前例）相談記録"


def _answer_blocks(result: Answer) -> list[Block]:
    blocks: list[Block] = []
    if result.chips:
        blocks.append(Paragraph("条件: " + "、".join(chip.label for chip in result.chips), note=True))
    blocks.append(Paragraph(result.summary))
    if result.measures:
        items = tuple(Item(line.text, f"〔事案 {'、'.join(line.incident_ids)}〕") for line in result.measures)
        blocks.append(Bullets(items))
        return blocks
    for hit in result.hits:
        inc = hit.incident
        similarity = f"・類似度 {hit.similarity:.2f}" if hit.similarity else ""
        categories = "・".join(inc.categories) or "類型なし"
        head = f"事案 {inc.id}（{display_year(inc.fiscal_year)}・{categories}{similarity}）"
        measures = "／".join(inc.measures) or "（記載なし）"
        blocks.append(
            Bullets(
                (
                    Item(f"{head} {inc.description}", f"〔出典: {inc.citation}〕"),
                    Item(f"再発防止策: {measures}"),
                )
            )
        )
    return blocks


def conversation_document(
    turns: Sequence[tuple[str, Answer]], draft: Draft | None = None, *, when: dt.datetime | None = None
) -> Document:
    """Each question and its answer in order; the draft of measures, if any, at the end."""
    stamp = (when or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    blocks: list[Block] = [
        Paragraph(f"作成日時: {stamp}。検索結果は参考情報であり、判断は担当者が行います。", note=True)
    ]
    for number, (question, result) in enumerate(turns, start=1):
        blocks += [Heading(f"質問{number}", level=1), Paragraph(question), Heading("回答", level=2)]
        blocks += _answer_blocks(result)
    if not turns:
        blocks.append(Paragraph("（まだ質問はありません）"))
    if draft is not None:
        blocks.append(Heading("再発防止策の下書き", level=1))
        blocks += [b for b in draft_document(draft).blocks if not (isinstance(b, Paragraph) and b.note)]
    return Document(title=TITLE, blocks=tuple(blocks))
