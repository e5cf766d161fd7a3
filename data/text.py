"""Cleaned text for search and display, and measures split into individual actions.

Published cells run several prevention actions together, separated by spaces (often the
full-width U+3000), 「・」 bullets, circled numbers (①②), sentence ends or HTML list items.
Drafting needs one action per item, so `split_measures` cuts at those separators. It cuts
before NFKC normalisation, because NFKC turns ① into a plain "1" and U+3000 into " ".

Decisions (tested in tests/test_text.py):
- Lead-in lines (「以下について、委託業者が実施。」) are kept as items: they are real text and
  say who acted; dropping them would lose that.
- PDF fragments (an item starting with 「は、」) are kept as they are.
- Whitespace splits only between two Japanese characters, so "FAX にて" or "Excel ファイル"
  stay whole; a 「。」 followed by a parenthetical note (「…しない。（報告済み）」) stays whole.
"""

from __future__ import annotations

import re
import unicodedata

from .markup import MAX_PASSES, defuse, strip_markup

_OPEN = "「『（(【［〔〈《"
_CLOSE = "」』）)】］〕〉》"
_BULLETS = "・･●○■□◆◇•◦▪‣"
# ①–⑳, ㉑–㉟, ㊱–㊿, ❶–❿, ➀–➉, ⓵–⓾, ⑴–⒇, ⒈–⒛
_CIRCLED = "\u2460-\u2473\u3251-\u325f\u32b1-\u32bf\u2776-\u277f\u2780-\u2789\u24f5-\u24fe\u2474-\u249b"
_CIRCLED_RE = re.compile(f"[{_CIRCLED}]")
# Besides a space, what may precede a bullet or circled number that starts a new item.
_ITEM_LEAD = "。：:"
# An enumerator in brackets after 「。」 starts a new item; other brackets are a note on it.
_PAREN_ENUM = re.compile(r"[（(]\s*(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,2}|[ア-ン])\s*[）)]")
# Markers removed from the start of an item: before NFKC (bullets, circled numbers) ...
_RAW_MARKER = re.compile(rf"^\s*(?:[{_BULLETS}]+|[{_CIRCLED}]|[-*](?=\s))\s*")
# ... and after it, when full-width forms have become ASCII ("（１）" -> "(1)", "１．" -> "1.").
_ENUMERATOR = re.compile(r"^(?:\(\s*(?:\d{1,2}|[ア-ン])\s*\)|\d{1,2}[.)](?!\d))\s*")
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")
_CATEGORY_SEP = re.compile(r"[、,/\s]+")


def _is_invisible(ch: str) -> bool:
    # Control and format characters (NUL, zero-width space, bidi overrides, lone surrogates)
    # carry no text and can disguise what a reader sees.
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs") and not ch.isspace()


def clean_text(text: str) -> str:
    """Plain, NFKC-normalised, single-spaced text: no tags, entities unescaped, scripts dropped.

    <li>, <p> and <br> become breaks, which are then folded into single spaces like all
    whitespace. Never executes or keeps markup.
    """
    if not text:
        return ""
    # NFKC can turn full-width "＜ｂ＞" into a tag, and unescaping can too: repeat to a fixed point.
    for _ in range(MAX_PASSES):
        cleaned = unicodedata.normalize("NFKC", strip_markup(text))
        if cleaned == text:
            break
        text = cleaned
    text = defuse(text)
    if any(_is_invisible(ch) for ch in text):
        text = "".join(ch for ch in text if not _is_invisible(ch))
    return re.sub(r"\s+", " ", text).strip()


def _is_japanese(ch: str) -> bool:
    """Kana, kanji and full-width punctuation, but not full-width letters or digits."""
    return ord(ch) >= 0x3000 and not ("\uff10" <= ch <= "\uff5a")


def _cuts(line: str, track_brackets: bool) -> tuple[list[int], int]:
    """Indices where a new item starts, and the bracket depth left at the end of the line."""
    cuts: list[int] = []
    depth = 0
    n = len(line)
    for i, ch in enumerate(line):
        if track_brackets and ch in _OPEN:
            depth += 1
        elif track_brackets and ch in _CLOSE:
            depth = max(0, depth - 1)
        if depth:
            continue
        prev = line[i - 1] if i else ""
        if ch == "。":
            j = i + 1
            while j < n and line[j].isspace():
                j += 1
            if j < n and line[j] not in _CLOSE and (line[j] not in "（(" or _PAREN_ENUM.match(line, j)):
                cuts.append(j)
        elif ch.isspace() and prev and not prev.isspace() and prev != "。":
            j = i
            while j < n and line[j].isspace():
                j += 1
            if j < n and _is_japanese(prev) and _is_japanese(line[j]):
                cuts.append(j)
        elif (ch in _BULLETS or _CIRCLED_RE.match(ch)) and i and (prev.isspace() or prev in _ITEM_LEAD):
            cuts.append(i)
    return cuts, depth


def _split_line(line: str) -> list[str]:
    cuts, depth = _cuts(line, track_brackets=True)
    if depth:
        # An unclosed bracket (often a PDF extraction cut) would hide every later separator.
        cuts, _ = _cuts(line, track_brackets=False)
    bounds = [0, *sorted(set(cuts)), len(line)]
    return [line[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def split_measures(raw: str) -> tuple[str, ...]:
    """The individual actions in a measures cell, cleaned, in order, empties dropped.

    Splits at list items (<li>, <p>, <br>), line breaks, 「・」 bullets, circled numbers,
    「。」 followed by another sentence, and spaces between Japanese text. Leading bullets and
    numbers are removed from each item; lead-in lines and PDF fragments are kept as items.
    """
    if not raw:
        return ()
    items: list[str] = []
    for line in _LINE_BREAK.split(strip_markup(raw)):
        for piece in _split_line(line):
            item = clean_text(_RAW_MARKER.sub("", piece))
            item = _ENUMERATOR.sub("", item).strip()
            # A piece of bare punctuation ("。", "・") is a separator left over, not an action.
            if any(ch.isalnum() for ch in item):
                items.append(item)
    return tuple(items)


def split_categories(*cells: str) -> tuple[str, ...]:
    """Reporting categories from one or more cells: "要配慮、100人以上" -> ("要配慮", "100人以上").

    Splits on 、 , ， / and whitespace, NFKC-normalises, keeps the first occurrence of each.
    """
    seen: dict[str, None] = {}
    for cell in cells:
        for part in _CATEGORY_SEP.split(clean_text(cell)):
            if part:
                seen.setdefault(part, None)
    return tuple(seen)
