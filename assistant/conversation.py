"""Reading a chat message in the light of the last one: new question, refinement or follow-up.

「R6だけ」「要配慮のみ」 narrow the last question; 「もっと見せて」 shows the next cases of it
(only those, within the same filters); 「防止策だけまとめて」 gathers the measures of the cases
already shown, merged as the 起案 page merges them. Deterministic on purpose:
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

from .answer import Answer, answer
from .measure_digest import digest_measures, digest_summary
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
    kind: str  # "search", "more" or "measures"
    question: str  # what is searched (filter phrases removed)
    stated: Stated  # filters stated in the chat, shown as removable chips
    top_k: int
    shown: int = 0  # with "more": how many of the cases were shown already


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
            return replace(previous, kind="more", top_k=previous.top_k + MORE_STEP, shown=previous.top_k)
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
    if request.kind == "more":
        return _only_new(result, request.shown)
    if request.kind == "measures":
        digest = digest_measures(result.hits, searcher.embedder)
        summary = digest_summary(len(result.hits), digest)
        result = replace(result, summary=summary, measures=digest.lines, set_aside=digest.set_aside)
    return result


def _only_new(result: Answer, shown: int) -> Answer:
    """The cases after the `shown` first ones: the earlier answer still shows those."""
    new = result.hits[shown:]
    if not new:
        where = "この条件で" if not result.filters.is_empty else ""
        summary = f"{where}これ以上の前例は見つかりませんでした（{shown}件をすべて表示済みです）。"
    elif result.distant:
        summary = (
            f"続いて、参考までに近い事案を{len(new)}件示します"
            f"（{shown + 1}〜{shown + len(new)}件目、いずれも内容の離れた事案です）。"
        )
    else:
        summary = f"続いて似ている前例を{len(new)}件見つけました（{shown + 1}〜{shown + len(new)}件目）。"
    return replace(result, hits=new, summary=summary, first_rank=shown + 1)
