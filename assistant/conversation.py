"""Reading a chat message in the light of the last one: new question, refinement or follow-up.

「R6だけ」「要配慮のみ」 narrow the last question; 「もっと見せて」 shows more of it;
「防止策だけまとめて」 gathers the measures of the cases already shown. Deterministic on purpose:
a privacy officer must be able to predict what a phrase does.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace

from index.filters import Filters
from index.searcher import Searcher

from .answer import Answer, MeasureLine, answer, distinct_measures
from .question import Stated, merge, read_filters

MORE_STEP = 5  # cases added by 「もっと見せて」

_MORE_RE = re.compile(
    r"^(?:もっと|さらに|他に|ほかに|他の|ほかの|続き|次)(?:は|の|も)?(?:事案|事例|前例|もの)?"
    r"(?:を|も)?(?:見せて|表示して|教えて|出して|ある|あります)?(?:ください|下さい)?(?:か)?[?？。!！]*$"
)
_MEASURES_RE = re.compile(
    r"(?:再発)?(?:防止策|対策|防止措置)(?:だけ|のみ)?(?:を|は)?(?:まとめ|一覧|整理|教えて|見せて|並べて)"
)
_MAX_FOLLOW_UP_CHARS = 30  # a longer message is a new question, even if it mentions 対策


@dataclass(frozen=True)
class Request:
    kind: str  # "search" or "measures"
    question: str  # what is searched (filter phrases removed)
    stated: Stated  # filters stated in the chat, shown as removable chips
    top_k: int


def interpret(
    message: str,
    previous: Request | None,
    *,
    top_k: int,
    today: dt.date,
    labels: Mapping[str, str] | None = None,
) -> Request:
    text = unicodedata.normalize("NFKC", message).strip()
    if previous is not None and len(text) <= _MAX_FOLLOW_UP_CHARS:
        if _MORE_RE.match(text):
            return replace(previous, kind="search", top_k=previous.top_k + MORE_STEP)
        if _MEASURES_RE.search(text):
            return replace(previous, kind="measures")
    stated = read_filters(text, today=today, labels=labels)
    if previous is not None and stated.chips and not stated.remainder:
        # Only filters: a refinement of the last question, adding to its filters.
        combined = merge(previous.stated.filters, stated.filters)
        keys = {chip.key for chip in stated.chips}
        chips = tuple(c for c in previous.stated.chips if c.key not in keys) + stated.chips
        return Request("search", previous.question, Stated(combined, chips, previous.question), previous.top_k)
    return Request("search", stated.remainder if stated.chips else text, stated, top_k)


def respond(request: Request, page_filters: Filters, *, searcher: Searcher) -> Answer:
    """The answer to a request; filters stated in the chat override the page's."""
    filters = merge(page_filters, request.stated.filters)
    result = answer(request.question, filters, searcher=searcher, top_k=request.top_k)
    result = replace(result, chips=request.stated.chips)
    if request.kind == "measures":
        lines: tuple[MeasureLine, ...] = distinct_measures(result.hits)
        summary = f"表示中の前例{len(result.hits)}件の再発防止策を、重複を除いて{len(lines)}項目にまとめました。"
        result = replace(result, summary=summary, measures=lines)
    return result
