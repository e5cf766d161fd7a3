"""Plain documents (headings, paragraphs, bulleted items with a note) written as Markdown or Word.

A feature builds a `Document` from its own data (a draft of measures, a conversation, a study
sheet) and leaves the writing to `to_markdown` and `to_docx`, so every export looks alike and
is made safe in one place. Text is treated as plain text throughout: in Markdown, the marks
that could make a link, an image, HTML or a heading out of data are backslash-escaped; in
Word, characters XML cannot hold are dropped.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from docx import Document as new_docx
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

# Body text font for Japanese (Mincho, as official documents use) and its language tag.
EAST_ASIAN_FONT = "游明朝"
EAST_ASIAN_LANGUAGE = "ja-JP"
NOTE_SIZE = Pt(9)
NOTE_COLOR = RGBColor(0x59, 0x59, 0x59)


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


# Marks that start Markdown syntax anywhere in a line: code, emphasis, links and images,
# raw HTML and entities, tables, strikethrough, math. Japanese punctuation is never special.
_INLINE = re.compile(r"([\\`*_\[\]<>!|~$&#])")
# Marks that make a list, a heading underline or a rule only at the start of a line.
_LINE_START = re.compile(r"^([-+=])")
_ORDERED_START = re.compile(r"^(\d+)([.)])")


def escape_markdown_text(text: str) -> str:
    """Data as literal Markdown text: readable in the file, inert when rendered."""
    text = _INLINE.sub(r"\\\1", plain_line(text))
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


def _japanese_defaults(doc) -> None:
    # python-docx's template names only Western fonts; without an East Asian font and language,
    # Word may pick a Chinese font for kanji.
    style = doc.styles["Normal"]
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    language = style.element.get_or_add_rPr().find(qn("w:lang"))
    if language is None:
        language = style.element.get_or_add_rPr().makeelement(qn("w:lang"), {})
        style.element.get_or_add_rPr().append(language)
    language.set(qn("w:eastAsia"), EAST_ASIAN_LANGUAGE)


def _add_note(paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    run.font.size = NOTE_SIZE
    run.font.color.rgb = NOTE_COLOR


def to_docx(document: Document) -> bytes:
    """The document as a .docx file's bytes."""
    doc = new_docx()
    _japanese_defaults(doc)
    doc.core_properties.title = plain_line(document.title)
    doc.core_properties.language = EAST_ASIAN_LANGUAGE
    doc.add_heading(plain_line(document.title), level=0)
    for block in document.blocks:
        if isinstance(block, Heading):
            doc.add_heading(plain_line(block.text), level=min(max(block.level, 1), 9))
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
