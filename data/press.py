"""Press-release pages (報道発表) as one incident: what happened, its measures, who and when.

A body announces an incident on a page titled like 「個人情報を含む文書の誤送付について」 with
sections 1 概要 / 2 経緯 / 3 漏えいした個人情報 / 4 原因 / 5 対応 / 6 再発防止策. We read the page
saved from a browser (or its text pasted on the data page) with the standard library's HTML
parser — never regular expressions over markup — into blocks of text (headings, paragraphs,
list items), skipping scripts, styles, hidden elements, navigation, headers and footers. The
sections are found by their names whatever the shape: <h2>/<h3>, a definition list, numbered
lines (1 概要, １．概要, 第1 概要, (1) 概要), brackets (【概要】, ■概要).

- description: the 概要, then the 経緯 condensed to its facts (apologies and repeats dropped);
- measures: the 再発防止策 (or 今後の対策) section, one action per list item or sentence;
- date: the first full date in 概要/経緯, else the page's own (発表日, <time>); body: the site's
  name (og:site_name, the title's 「｜千葉市」). What the page does not say, the user gives.
Nothing from the page is rendered: callers show the plain text only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .decoding import MAX_FILE_BYTES, decode
from .records import TableError
from .text import clean_text, split_measures

# Section names as published, per section (compared after NFKC, spaces removed).
SECTIONS: dict[str, tuple[str, ...]] = {
    "summary": ("概要", "事案の概要", "事故の概要", "事件の概要", "発生概要", "事案概要", "内容", "事案の内容"),
    "course": ("経緯", "発生の経緯", "事案の経緯", "経過", "判明の経緯", "事案の経過", "発生経緯"),
    "leaked": ("漏えいした個人情報", "流出した個人情報", "漏えいした情報", "対象となる個人情報", "個人情報の内容"),
    "cause": ("原因", "発生原因", "事故の原因", "発生の原因"),
    "response": ("対応", "今後の対応", "対応状況", "本市の対応", "現在の対応", "被害者への対応", "これまでの対応"),
    "measures": ("再発防止策", "再発防止", "再発防止対策", "再発防止の取組", "再発防止に向けた取組", "今後の対策"),
    "contact": ("問い合わせ", "お問い合わせ", "問合せ先", "問い合わせ先", "お問い合わせ先", "担当", "担当課"),
}
_NAME_OF = {name: section for section, names in SECTIONS.items() for name in names}

# Elements never read: no text for a reader, or the page's furniture rather than its content.
_SKIP_TAGS = frozenset(
    "script style noscript template iframe object embed svg math canvas nav header footer aside form "
    "button select textarea head".split()
)
_SKIP_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary"})
_SKIP_NAMES = frozenset({"header", "footer", "nav", "gnav", "breadcrumb", "breadcrumbs", "pankuzu", "sidebar", "menu"})
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_BLOCKS = frozenset(
    "p div li dt dd h1 h2 h3 h4 h5 h6 tr td th table ul ol dl section article main blockquote pre br hr".split()
)
_HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6 dt".split())

_NUMBER = r"(?:第\s*)?(\d{1,2})\s*(?:[.、)]|\s)"  # after NFKC: "１．" -> "1."
_HEADING = re.compile(
    rf"^(?:{_NUMBER}\s*|\(\s*(\d{{1,2}})\s*\)\s*|[【〔\[■□●◆◇▼]\s*)?"
    r"([^\s【】〔〕\[\]:：]{1,16}?)(?:について)?\s*[】〕\]]?\s*(?:[:：]\s*(.*))?$"
)
_NUMBERED_LINE = re.compile(rf"^{_NUMBER}\s*(\S.{{0,24}})$")
_DATE = re.compile(
    r"(?:令和|平成)\s*(?:元|\d{1,2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|\d{4}/\d{1,2}/\d{1,2}"
)
_RELEASE_DATE = re.compile(r"(?:発表|公表|掲載|更新|報道発表|作成)日")
# Sentences that are not facts nor actions: apologies, the page speaking about itself.
_NOT_A_FACT = re.compile(
    r"お詫び|おわび|申し訳|深く反省|ご迷惑|ご心配|謝罪いたします|信頼回復に努め|お知らせします|ページの先頭|印刷|戻る$"
)
_BODY_NAME = re.compile(r"(?:都|道|府|県|市|町|村|区|庁|省|局|広域連合|組合)$")
_TITLE_SEPARATORS = re.compile(r"\s*[|｜/／\-–—:：]\s*")


@dataclass(frozen=True)
class Block:
    text: str  # NFKC, one line
    heading: bool = False  # an <h1>–<h6> or <dt>
    level: int = 0  # 1–6 for <h1>–<h6>, 7 for <dt>
    item: bool = False  # an <li>


@dataclass(frozen=True)
class PressRelease:
    source: str
    title: str
    body: str  # the public body, "" when the page does not say
    date: str  # as written ("令和6年3月5日"), "" when the page does not say
    description: str
    measures: tuple[str, ...]
    sections: dict[str, str] = field(default_factory=dict)  # other sections' text (原因, 漏えいした個人情報…)
    release_date: str = ""


_HIDING_CLASSES = frozenset({"hidden", "invisible", "sr-only", "visually-hidden", "screen-reader-text", "skip"})
_CONTENT_NAMES = frozenset({"main", "content", "contents", "article", "body"})


def _hidden(attrs: dict[str, str]) -> bool:
    """Not shown to a reader (hidden, display:none, screen-reader-only), or the page's furniture
    (an element named header, footer, nav, breadcrumb… unless it is also named main/content)."""
    style = attrs.get("style", "").replace(" ", "").lower()
    classes = set(attrs.get("class", "").lower().split())
    names = set(re.split(r"[\s_-]+", f"{attrs.get('class', '')} {attrs.get('id', '')}".lower())) - {""}
    return (
        "hidden" in attrs
        or attrs.get("aria-hidden", "").lower() == "true"
        or "display:none" in style
        or "visibility:hidden" in style
        or attrs.get("role", "").lower() in _SKIP_ROLES
        or bool(classes & _HIDING_CLASSES)
        or (bool(names & _SKIP_NAMES) and not names & _CONTENT_NAMES)
    )


class _PageReader(HTMLParser):
    """Blocks of visible content text, the <title>, og:site_name and <time datetime> values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title = ""
        self.site = ""
        self.times: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped here)
        self._skip = 0
        self._text: list[str] = []
        self._in_title = False

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", "".join(self._text))).strip()
        self._text = []
        if text:
            open_tags = [tag for tag, _ in self._stack]
            levels = [7 if tag == "dt" else int(tag[1]) for tag in open_tags if tag in _HEADING_TAGS]
            heading = bool(levels)
            level = levels[-1] if levels else 0
            self.blocks.append(Block(text, heading=heading, level=level, item="li" in open_tags and not heading))

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k.lower(): (v or "") for k, v in attrs_list}
        if tag == "meta" and attrs.get("property", attrs.get("name", "")).lower() in ("og:site_name", "author"):
            self.site = self.site or attrs.get("content", "").strip()
        if tag == "time" and attrs.get("datetime") and not self._skip:
            self.times.append(attrs["datetime"])
        if tag == "title":
            self._in_title = True
        if tag in _BLOCKS and not self._skip:
            self._flush()
        if tag in _VOID:
            return
        skipped = tag in _SKIP_TAGS or _hidden(attrs)
        self._stack.append((tag, skipped))
        self._skip += skipped

    def handle_startendtag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS and not self._skip:
            self._flush()
        if tag == "meta":
            self.handle_starttag(tag, attrs_list)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _VOID or all(open_tag != tag for open_tag, _ in self._stack):
            return  # a stray end tag closes nothing
        if tag in _BLOCKS and not self._skip:
            self._flush()
        while self._stack:  # close what the page left open inside this element
            open_tag, skipped = self._stack.pop()
            self._skip -= skipped
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _heading(block: Block, last_number: int | None) -> tuple[str, str] | None:
    """(section, text after the heading on the same line) when the block is a section heading."""
    text = block.text
    match = _HEADING.match(text)
    if match:
        number, paren, name, rest = match.groups()
        section = _NAME_OF.get(_key(name)) or _NAME_OF.get(_key(name).removesuffix("等"))
        marked = bool(number or paren or text[:1] in "【〔[■□●◆◇▼") or block.heading
        if section and (marked or not rest and len(text) <= 12):
            return section, (rest or "").strip()
    if block.heading:
        return "other", ""
    numbered = _NUMBERED_LINE.match(text)
    # "7 その他" after "6 再発防止策" is the next section; "1. 封入時に…" inside one is not.
    if numbered and last_number is not None and int(numbered.group(1)) == last_number + 1 and "。" not in text:
        return "other", ""
    return None


def _sections(blocks: list[Block]) -> tuple[list[Block], dict[str, list[Block]]]:
    """The blocks before the first section, and each section's blocks (first occurrence wins)."""
    before: list[Block] = []
    found: dict[str, list[Block]] = {}
    current: list[Block] | None = None
    last_number: int | None = None
    level = 0  # the heading level of the current section
    for block in blocks:
        heading = _heading(block, last_number)
        if heading is None:
            (before if current is None else current).append(block)
            continue
        section, rest = heading
        if section == "other" and not found:
            before.append(block)  # the title and the page's lead, above the first section
            continue
        if section == "other" and block.level > level and current is not None:
            current.append(block)  # an <h3> inside an <h2> section: a sub-heading, not the next section
            continue
        level = block.level
        match = _NUMBERED_LINE.match(block.text) or re.match(rf"^{_NUMBER}", block.text)
        if match:
            last_number = int(match.group(1))
        current = [] if section == "other" or section in found else found.setdefault(section, [])
        if rest:
            current.append(Block(rest))
    return before, found


def _sentences(blocks: list[Block]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if block.heading:
            continue  # a sub-heading names the facts under it; it is not one
        for sentence in re.split(r"(?<=。)", block.text):
            sentence = clean_text(sentence)
            if sentence and not _NOT_A_FACT.search(sentence):
                out.append(sentence)
    return out


def _description(summary: list[Block], course: list[Block]) -> str:
    facts = _sentences(summary)
    seen = {_key(s) for s in facts}
    for sentence in _sentences(course):
        # The 経緯 often repeats the 概要; keep only what it adds, and drop list numbering.
        sentence = re.sub(r"^(?:\(\s*\d{1,2}\s*\)|\d{1,2}[.)])\s*", "", sentence)
        if _key(sentence) not in seen and not any(_key(sentence) in s for s in seen):
            facts.append(sentence)
            seen.add(_key(sentence))
    return clean_text(" ".join(facts))


def _measures(blocks: list[Block]) -> tuple[str, ...]:
    measures: list[str] = []
    for block in blocks:
        if block.heading:
            continue
        for item in split_measures(block.text):
            if len(item) >= 4 and not _NOT_A_FACT.search(item) and item not in measures:
                measures.append(item)
    return tuple(measures)


def _first_date(blocks: list[Block]) -> str:
    for block in blocks:
        if match := _DATE.search(block.text):
            return re.sub(r"\s+", "", match.group(0))
    return ""


def _body_from(title: str, site: str) -> str:
    if site and _BODY_NAME.search(site.split()[0]):
        return site.split()[0]
    parts = [p for p in _TITLE_SEPARATORS.split(unicodedata.normalize("NFKC", title)) if p]
    return next((p for p in reversed(parts[1:]) if _BODY_NAME.search(p) and len(p) <= 12), "")


def _release(source: str, blocks: list[Block], page_title: str, site: str, times: list[str]) -> PressRelease:
    before, found = _sections(blocks)
    if "summary" not in found or not _sentences(found["summary"]):
        raise TableError(
            source,
            None,
            "「概要」の節が見つかりません。報道発表のページか、「1 概要」「再発防止策」などの見出しを確認してください "
            "(no 概要 section)",
        )
    heading = next((b.text for b in before if b.heading), "")
    title = clean_text(heading or _TITLE_SEPARATORS.split(page_title.strip())[0])
    dated = [b for b in before if _RELEASE_DATE.search(b.text) and _first_date([b])]
    iso = [t[:10] for t in times if re.match(r"\d{4}-\d{2}-\d{2}", t)]
    release_date = _first_date(dated) or _first_date(before) or (iso[0] if iso else "")
    incident_date = _first_date(found["summary"]) or _first_date(found.get("course", []))
    others = {
        label: clean_text(" ".join(b.text for b in found[section]))
        for section, label in (("leaked", "漏えいした個人情報"), ("cause", "原因"), ("response", "対応"))
        if found.get(section)
    }
    return PressRelease(
        source=source,
        title=title,
        body=_body_from(page_title, site),
        date=incident_date or release_date,
        description=_description(found["summary"], found.get("course", [])),
        measures=_measures(found.get("measures", [])),
        sections=others,
        release_date=release_date,
    )


def press_release_from_html(html: str, source: str) -> PressRelease:
    reader = _PageReader()
    try:
        reader.feed(html)
        reader.close()
    except AssertionError:  # html.parser on some malformed declarations (`<![foo[`)
        raise TableError(source, None, "HTML として読めません (malformed HTML)") from None
    return _release(source, reader.blocks, reader.title, reader.site, reader.times)


def press_release_from_text(text: str, source: str) -> PressRelease:
    """Text pasted from a page: one block a line; the first line that is not a section is the title."""
    blocks = [
        Block(line)
        for line in (re.sub(r"\s+", " ", unicodedata.normalize("NFKC", raw)).strip() for raw in text.splitlines())
        if line
    ]
    if blocks and _heading(blocks[0], None) is None:
        blocks[0] = Block(blocks[0].text, heading=True)  # the title
    return _release(source, blocks, "", "", [])


def read_press_release(path: str, source: str | None = None) -> PressRelease:
    """A saved page (.html/.htm, any of the encodings the readers detect); TableError naming it."""
    source = source or path
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise TableError(source, None, f"ファイルを開けません (cannot open: {exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise TableError(source, None, "ファイルが大きすぎます (file too large)")
    try:
        text = decode(source, data)
    except TableError as exc:
        raise TableError(source, None, exc.message) from None
    return press_release_from_html(text, source)
