"""Why a case matched: the real words it shares with the question (SudachiPy, for display).

Search uses character n-grams, which are good at matching but unreadable ("受給", "給者");
a person wants to see 「受給者」「封筒」「送る」. Words are compared by their normalized form, so
送って and 送付した share nothing but 送った and 送る do.
"""

from __future__ import annotations

import functools
import unicodedata

from . import morphology

# Parts of speech that carry the content of an incident; particles and auxiliaries do not.
_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞"}
# Frequent words that match almost every case and explain nothing.
_STOP = {"する", "ある", "いる", "なる", "こと", "もの", "ため", "よう", "際", "等", "者", "方", "中", "後", "前", "時"}


def _tokenizer():
    # One per thread: concurrent sessions would otherwise collide on one (SudachiError).
    return morphology.tokenizer()


@functools.lru_cache(maxsize=4096)
def _content_words(text: str) -> tuple[tuple[str, int, int], ...]:
    """(normalized form, begin, end) of each content word; offsets index `text`.

    Cached: the chat redraws every card of its history on each rerun.
    """
    words = []
    for m in _tokenizer().tokenize(text):
        pos = m.part_of_speech()
        if pos[0] not in _CONTENT_POS or pos[1] in ("非自立可能", "数詞"):
            continue
        form = m.normalized_form()
        if form in _STOP or not _is_content_form(form) or len(m.surface().strip()) == 0:
            continue
        words.append((form, m.begin(), m.end()))
    return tuple(words)


def _is_content_form(form: str) -> bool:
    """Two characters at least, and not kana alone: 「おい」「よる」「おけ」 are the verbs of
    「において」「による」「における」, and 「分」「等」 suffixes; none tells why a case matched."""
    if len(form) < 2:
        return False
    return any(
        "\u4e00" <= ch <= "\u9fff" or "\u30a1" <= ch <= "\u30fa" or ch.isascii() and ch.isalnum() for ch in form
    )


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFKC", text)[:2000]


def shared_words(question: str, text: str) -> tuple[str, ...]:
    """The words of `text` that the question also uses, as written in `text`, in order."""
    text = _prepare(text)
    wanted = {form for form, _, _ in _content_words(_prepare(question))}
    seen: dict[str, str] = {}  # one entry a word: 入れる and 入れ are the same verb
    for form, begin, end in _content_words(text):
        if form in wanted:
            seen.setdefault(form, text[begin:end])
    return tuple(seen.values())


def highlight_spans(question: str, text: str) -> list[tuple[int, int]]:
    """Character spans of `text` (as given, NFKC-stable text assumed) to highlight."""
    wanted = {form for form, _, _ in _content_words(_prepare(question))}
    return [(begin, end) for form, begin, end in _content_words(text) if form in wanted]
