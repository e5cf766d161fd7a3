"""The whole chat, with the cases it cited and any draft, as a document for the file (決裁)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from data.years import display_year

from .answer import Answer
from .citation import cite
from .documents import Block, Bullets, Document, Heading, Item, Paragraph
from .drafting import Draft, draft_document, published_measure

TITLE = "Zenrei（前例）相談記録"


def _answer_blocks(result: Answer, labels: Mapping[str, str]) -> list[Block]:
    blocks: list[Block] = []
    if result.chips:
        blocks.append(Paragraph("条件: " + "、".join(chip.label for chip in result.chips), note=True))
    blocks.append(Paragraph(result.summary))
    if result.measures:
        items = tuple(
            Item(published_measure(line.text), f"〔事案 {'、'.join(line.incident_ids)}〕") for line in result.measures
        )
        blocks.append(Bullets(items))
        return blocks
    for hit in result.hits:
        inc = hit.incident
        similarity = f"・類似度 {hit.similarity:.2f}" if hit.similarity else ""
        categories = "・".join(inc.categories) or "類型なし"
        head = f"事案 {inc.id}（{display_year(inc.fiscal_year)}・{categories}{similarity}）"
        measures = "／".join(published_measure(m) for m in inc.measures if m.strip()) or "（記載なし）"
        blocks.append(
            Bullets(
                (
                    Item(f"{head} {inc.description}", f"〔{cite(inc, labels)}〕"),
                    Item(f"再発防止策: {measures}"),
                )
            )
        )
    return blocks


def conversation_document(
    turns: Sequence[tuple[str, Answer]],
    draft: Draft | None = None,
    *,
    when: dt.datetime | None = None,
    labels: Mapping[str, str] | None = None,
) -> Document:
    """Each question and its answer in order; the draft of measures, if any, at the end.

    A blank question (spaces only) is no question: it is left out, and the others are numbered
    without a gap. `labels` (corpus.labels) name the tables in citations; found when omitted.
    """
    turns = [(question, result) for question, result in turns if question and question.strip()]
    stamp = (when or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    blocks: list[Block] = [
        Paragraph(f"作成日時: {stamp}。検索結果は参考情報であり、判断は担当者が行います。", note=True)
    ]
    for number, (question, result) in enumerate(turns, start=1):
        blocks += [Heading(f"質問{number}", level=1), Paragraph(question), Heading("回答", level=2)]
        blocks += _answer_blocks(result, labels or {})
    if not turns:
        blocks.append(Paragraph("（まだ質問はありません）"))
    if draft is not None:
        blocks.append(Heading("再発防止策の下書き", level=1))
        blocks += [b for b in draft_document(draft).blocks if not (isinstance(b, Paragraph) and b.note)]
    return Document(title=TITLE, blocks=tuple(blocks))
