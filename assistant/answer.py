"""One question in, one answer out: a summary line and the nearest past cases."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from data.years import display_year
from index.filters import Filters
from index.searcher import Hit, Searcher

from .precedent import label_hits, no_close_precedent

if TYPE_CHECKING:
    from .question import Chip

DEFAULT_TOP_K = 5

# The model reads at most 512 tokens; past a few thousand characters a question is a pasted
# document, and searching its head is more useful than refusing it.
MAX_QUESTION_CHARS = 2000

SNIPPET_CHARS = 40


@dataclass(frozen=True)
class MeasureLine:
    """A measure as worded in one or more of the cases shown, with the cases that used it."""

    text: str
    incident_ids: tuple[str, ...]
    theme: str = ""  # the drafting theme (確認体制・ダブルチェック, …) when merged by theme
    wordings: int = 1  # distinct wordings merged into this line


@dataclass(frozen=True)
class Answer:
    question: str  # as searched (trimmed, capped)
    summary: str  # one Japanese line for the chat
    hits: tuple[Hit, ...]
    filters: Filters
    notices: tuple[str, ...] = ()  # things the user should know about how the question was read
    chips: tuple[Chip, ...] = ()  # filters read from the chat, removable on the page
    measures: tuple[MeasureLine, ...] = ()  # set when the user asked for the measures only
    set_aside: tuple[MeasureLine, ...] = ()  # with `measures`: lines of the cases that are no measure
    first_rank: int = 1  # rank of the first hit: 「もっと見せて」 shows only the cases after those shown
    distant: bool = False  # no close precedent: the hits are only the nearest there are


def answer(
    question: str,
    filters: Filters | None = None,
    *,
    searcher: Searcher,
    top_k: int = DEFAULT_TOP_K,
    method: str = "hybrid",
) -> Answer:
    """Search the precedents for a question and say in one line what was found."""
    filters = filters or Filters()
    text, notices = _prepare(question)
    if not text and not filters.is_empty:
        return _browse(searcher, filters, top_k, notices)
    if not text:
        return Answer(
            question="",
            summary="質問を入力してください（例：封筒に別の人の書類を入れて送ってしまった）。",
            hits=(),
            filters=filters,
            notices=notices,
        )
    model_id = searcher.embedder.model_id
    found = searcher.search(text, top_k=top_k, filters=filters, method=method)
    hits = label_hits(text, found, model_id)
    # Whether anything like it happened is asked of the whole corpus: a filter narrows what is
    # shown, it never turns a real precedent into "nothing like this".
    if filters.is_empty:
        whole = found
    else:  # not a search the user asked for: not audited again
        whole = getattr(searcher, "search_unaudited", searcher.search)(text, top_k=top_k, method=method)
    distant = bool(no_close_precedent(text, whole, model_id))
    summary = summarize_distant(hits) if distant else summarize(hits, filters)
    return Answer(question=text, summary=summary, hits=hits, filters=filters, notices=notices, distant=distant)


def _browse(searcher: Searcher, filters: Filters, top_k: int, notices: tuple[str, ...]) -> Answer:
    """Only filters, nothing to search for: the newest cases that match, for browsing."""
    matching = [searcher.incidents[i] for i in filters.allowed(searcher.incidents)]
    matching.sort(key=lambda inc: (-(inc.fiscal_year or 0), inc.source, inc.line))
    hits = tuple(
        Hit(incident=inc, rank=rank, score=0.0, similarity=0.0, lexical_score=0.0)
        for rank, inc in enumerate(matching[:top_k], start=1)
    )
    summary = f"条件に合う事案は{len(matching)}件です。新しい順に{len(hits)}件を示します。"
    return Answer(question="", summary=summary, hits=hits, filters=filters, notices=notices)


def summarize_distant(hits: tuple[Hit, ...]) -> str:
    return (
        f"よく似た前例は見つかりませんでした。参考までに、最も近い事案を{len(hits)}件示します"
        "（いずれも内容の離れた事案です）。"
    )


def summarize(hits: tuple[Hit, ...], filters: Filters) -> str:
    if not hits:
        where = "指定した条件に合う" if not filters.is_empty else ""
        return f"{where}前例は見つかりませんでした。条件を広げてお試しください。"
    top = hits[0].incident
    categories = "・".join(top.categories) or "類型なし"
    return (
        f"似ている前例を{len(hits)}件見つけました。最も近いのは事案 {top.id}"
        f"（{display_year(top.fiscal_year)}、{categories}）「{snippet(top.description)}」です。"
    )


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _prepare(question: str) -> tuple[str, tuple[str, ...]]:
    # Control characters (NUL and the like) are never meaningful in a question.
    text = "".join(ch for ch in question if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if len(text) > MAX_QUESTION_CHARS:
        notice = f"質問が長いため、先頭の{MAX_QUESTION_CHARS:,}文字で検索しました（全{len(text):,}文字）。"
        return text[:MAX_QUESTION_CHARS], (notice,)
    return text, ()
