"""Turn the HTML that some published cells contain into plain text, safely.

Cells come from web pages and PDFs (`<ul><li>…</li></ul>`, `<p>…</p>`, `&amp;`), and a table can
be hostile (`<script>`, `<img onerror=…>`). We only ever *read* markup to drop it: nothing is
rendered or executed, script and style contents are discarded, and a final pass removes
anything tag-shaped that survived (double-escaped `&lt;b&gt;`, half-written `<script`), so the
result can be shown in an HTML page without escaping mistakes turning into markup.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose boundaries separate lines or list items in the published text.
BREAK_TAGS = frozenset(
    "br p li div tr td th ul ol dl dt dd table h1 h2 h3 h4 h5 h6 hr pre blockquote section article".split()
)
# Elements whose content is never text for a reader.
DROP_TAGS = frozenset("script style noscript template iframe object embed svg math".split())

# A tag, comment or declaration (after unescaping it may look like `<b>` or `</li>`).
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")
# A "<" that would start a tag if a browser saw it; dropping just the "<" defuses it.
_TAG_OPEN = re.compile(r"<(?=\s*/?\s*[A-Za-z!?])")
# Worth another parsing pass: tags or entities remain after unescaping.
_MARKUP_LEFT = re.compile(r"<\s*/?\s*[A-Za-z!?]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);?")

# Double escaping (&amp;lt;) needs two passes; three covers triple escaping and bounds the work.
MAX_PASSES = 3


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_TAGS:
            self._dropping += 1
        elif tag in BREAK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <script/>: a self-closed element has no content to drop.
        if tag in BREAK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_TAGS:
            self._dropping = max(0, self._dropping - 1)
        elif tag in BREAK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def _one_pass(text: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(text)
        parser.close()
    except AssertionError:
        # html.parser raises AssertionError on some malformed declarations (`<![foo[`);
        # fall back to removing tag-shaped text, which is still safe.
        return _TAG.sub("\n", text)
    return "".join(parser.parts)


def strip_markup(text: str) -> str:
    """Text without tags: entities unescaped, block elements as line breaks, scripts dropped.

    Only line breaks are introduced; other whitespace and Unicode forms are left to the caller.
    """
    for _ in range(MAX_PASSES):
        if not _MARKUP_LEFT.search(text):
            break
        text = _one_pass(text)
    return defuse(_TAG.sub("", text))


def defuse(text: str) -> str:
    """Remove every "<" that a browser could read as the start of a tag.

    Repeated because one removal can join "<" and a letter into a new opener ("<<b" -> "<b").
    Each round removes at least one character, so this ends.
    """
    while _TAG_OPEN.search(text):
        text = _TAG_OPEN.sub("", text)
    return text
