"""Plain documents (headings, paragraphs, bulleted items with a note) written as Markdown or Word.

A feature builds a `Document` from its own data (a draft of measures, a conversation, a study
sheet, a triage result) and leaves the writing to `to_markdown` and `to_docx`, so every export
looks alike and is made safe in one place. Word files are A4 with Japanese fonts a Windows Word
has, real heading styles and page numbers in the footer, ready to print and file. Text is plain
text throughout: in Markdown, the marks that could make a link, an image, HTML or a heading out
of data are backslash-escaped; in Word, characters XML cannot hold are dropped.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

# Fonts a Windows Word has (游明朝/游ゴシック ship with Windows 8.1+ and Office 2016+): Mincho for
# body text, as official documents use, Gothic for headings. Western text uses the same faces so
# a line does not switch typefaces at every digit.
BODY_FONT = "游明朝"
HEADING_FONT = "游ゴシック"
EAST_ASIAN_FONT = BODY_FONT
EAST_ASIAN_LANGUAGE = "ja-JP"
BODY_SIZE = Pt(10.5)  # 10.5 pt: the usual size of Japanese official documents
NOTE_SIZE = Pt(9)
NOTE_COLOR = RGBColor(0x59, 0x59, 0x59)
HEADING_COLOR = RGBColor(0, 0, 0)
# A4 portrait with margins a filed document (決裁・簿冊) leaves room for: binding on the left.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top_margin": Mm(25), "bottom_margin": Mm(25), "left_margin": Mm(25), "right_margin": Mm(20)}
HEADING_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3")


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 = a section, 2 = a subsection


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # a remark in small grey type, not body text


@dataclass(frozen=True)
class Item:
    text: str
    note: str = ""  # shown after the text, smaller: a citation, a source


@dataclass(frozen=True)
class Bullets:
    items: tuple[Item, ...]


Block = Heading | Paragraph | Bullets


@dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...]


def plain_line(text: str) -> str:
    """One line of text with no control characters (what both writers start from).

    Line breaks become spaces: a break inside data could otherwise start a Markdown heading or
    list, and Word paragraphs are made by the writer, not by the data.
    """
    text = re.sub(r"[\r\n\u2028\u2029\x0b\x0c\x85]+", " ", text or "")
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") or ch == "\t").strip()


# Marks that start Markdown syntax anywhere in a line: code, emphasis, links, raw HTML, tables,
# strikethrough, math. Japanese punctuation is never special. Marks that are inert where they
# stand are left as written, so names read plainly: an underscore inside a word
# (other_bodies_published) cannot make emphasis, 「!」 makes an image only before 「[」, and 「&」
# an entity only before 「name;」.
_INLINE = re.compile(r"[\\`*\[\]<>|~$]|(?<!\S)#|(?<![^\W_])_|_(?![^\W_])|!(?=\[)|&(?=#?\w+;)")
# Marks that make a list, a heading underline or a rule only at the start of a line.
_LINE_START = re.compile(r"^([-+=])")
_ORDERED_START = re.compile(r"^(\d+)([.)])")


def escape_markdown_text(text: str) -> str:
    """Data as literal Markdown text: readable in the file, inert when rendered."""
    text = _INLINE.sub(lambda m: "\\" + m.group(0), plain_line(text))
    text = _LINE_START.sub(r"\\\1", text)
    return _ORDERED_START.sub(r"\1\\\2", text)


def to_markdown(document: Document) -> str:
    lines = [f"# {escape_markdown_text(document.title)}", ""]
    for block in document.blocks:
        if isinstance(block, Heading):
            lines += ["#" * (block.level + 1) + " " + escape_markdown_text(block.text), ""]
        elif isinstance(block, Paragraph):
            lines += [escape_markdown_text(block.text), ""]
        else:
            for item in block.items:
                note = f" {escape_markdown_text(item.note)}" if item.note.strip() else ""
                lines.append(f"- {escape_markdown_text(item.text)}{note}")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _set_fonts(element, font: str) -> None:
    """Name `font` for every script of a style's (or the defaults') runs.

    python-docx's template names theme fonts (majorEastAsia…), which win over named ones and
    resolve to a Chinese or Western face on many PCs: they are removed.
    """
    rpr = element if element.tag == qn("w:rPr") else element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), font)
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = rpr.makeelement(qn("w:lang"), {})
        rpr.append(language)
    language.set(qn("w:eastAsia"), EAST_ASIAN_LANGUAGE)


def _japanese_defaults(doc) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is not None:
        _set_fonts(rpr, BODY_FONT)
    normal = doc.styles["Normal"]
    _set_fonts(normal.element, BODY_FONT)
    normal.font.size = BODY_SIZE
    for name in HEADING_STYLES:
        style = doc.styles[name]
        _set_fonts(style.element, HEADING_FONT)
        style.font.color.rgb = HEADING_COLOR


def _a4(doc) -> None:
    for section in doc.sections:
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        for side, length in MARGINS.items():
            setattr(section, side, length)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the page."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", "1"), ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            instr = run._r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            instr.text = f" {text} "
            run._r.append(instr)
        elif kind == "text":
            run.text = text  # shown until the field is updated (LibreOffice and Word update it)
        else:
            run._r.append(run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind}))


def _page_numbers(doc) -> None:
    """「1 / 3」 centred in every page's footer."""
    for section in doc.sections:
        footer = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _field(footer, "PAGE")
        footer.add_run(" / ")
        _field(footer, "NUMPAGES")


def _add_note(paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    run.font.size = NOTE_SIZE
    run.font.color.rgb = NOTE_COLOR


def to_docx(document: Document) -> bytes:
    """The document as a .docx file's bytes."""
    doc = new_docx()
    _japanese_defaults(doc)
    _a4(doc)
    _page_numbers(doc)
    doc.core_properties.title = plain_line(document.title)
    doc.core_properties.language = EAST_ASIAN_LANGUAGE
    doc.add_heading(plain_line(document.title), level=0)
    for block in document.blocks:
        if isinstance(block, Heading):
            doc.add_heading(plain_line(block.text), level=min(max(block.level, 1), 3))
        elif isinstance(block, Paragraph):
            if block.note:
                _add_note(doc.add_paragraph(), plain_line(block.text))
            else:
                doc.add_paragraph(plain_line(block.text))
        else:
            for item in block.items:
                paragraph = doc.add_paragraph(plain_line(item.text), style="List Bullet")
                if item.note.strip():
                    _add_note(paragraph, " " + plain_line(item.note))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


WRITERS = {".md": lambda d: to_markdown(d).encode("utf-8"), ".docx": to_docx}


def write(document: Document, path: Path) -> Path:
    """Write the document in the format its extension names (.md or .docx)."""
    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"出力形式は .md か .docx にしてください: {path.name} (use .md or .docx)")
    path.write_bytes(writer(document))
    return path
