"""Plain documents written as Markdown and Word: structure kept, data never turned into markup."""

from __future__ import annotations

import io
import re

import docx
import pytest
from docx.oxml.ns import qn

from assistant.documents import (
    Bullets,
    Document,
    Heading,
    Item,
    Paragraph,
    escape_markdown_text,
    plain_line,
    to_docx,
    to_markdown,
    write,
)
from tests.docx_checks import assert_filed_word

HOSTILE = "<img src=x onerror=alert(1)> [a](javascript:alert(1)) **太字** `code` $x$ &lt;b&gt;"

DOC = Document(
    title="再発防止策の検討資料",
    blocks=(
        Paragraph("下書きです。", note=True),
        Heading("事案の概要"),
        Paragraph("封筒に別の人の受給者証を入れて送ってしまった"),
        Heading("再発防止策（案）"),
        Heading("確認体制・ダブルチェック", level=2),
        Bullets((Item("封入前に複数の職員で宛名を確認する。", "〔事案12（令和6年度）〕"), Item("研修を行う。"))),
    ),
)


def test_markdown_has_the_title_headings_paragraphs_and_items_with_notes():
    assert to_markdown(DOC) == (
        "# 再発防止策の検討資料\n\n下書きです。\n\n## 事案の概要\n\n封筒に別の人の受給者証を入れて送ってしまった\n\n"
        "## 再発防止策（案）\n\n### 確認体制・ダブルチェック\n\n"
        "- 封入前に複数の職員で宛名を確認する。 〔事案12（令和6年度）〕\n- 研修を行う。\n"
    )


def test_markdown_turns_no_data_into_html_links_emphasis_or_code():
    text = to_markdown(Document("題", (Paragraph(HOSTILE), Bullets((Item(HOSTILE, HOSTILE),)))))
    body = text.split("\n", 2)[2]
    # Every markup character from the data is backslash-escaped, so nothing renders as markup.
    assert re.search(r"(?<!\\)[<>\[\]`*$&]", body) is None
    assert body.replace("\\", "").count("<img src=x onerror=alert(1)>") == 3  # still readable


@pytest.mark.parametrize(
    ("data", "markdown"),
    [
        ("# 見出しではない", "\\# 見出しではない"),
        ("1. 番号ではない", "1\\. 番号ではない"),
        ("- 箇条書きではない", "\\- 箇条書きではない"),
        ("=== 下線ではない", "\\=== 下線ではない"),
        ("一行目\n# 二行目", "一行目 \\# 二行目"),
        ("封入前に確認（令和6年度）、宛名・氏名。", "封入前に確認（令和6年度）、宛名・氏名。"),
        # Marks that are inert where they stand stay as written: names read plainly.
        ("other_bodies_published.jsonl", "other_bodies_published.jsonl"),
        ("事案#3 AT&T 大切!", "事案#3 AT&T 大切!"),
        ("_強調_ と __太字__", "\\_強調\\_ と \\_\\_太字\\_\\_"),
        ("見出し # 末尾 ![画像](x) &amp;", "見出し \\# 末尾 \\!\\[画像\\](x) \\&amp;"),
    ],
)
def test_data_cannot_start_a_heading_or_list_and_japanese_stays_as_written(data, markdown):
    assert escape_markdown_text(data) == markdown


def test_control_characters_and_line_breaks_are_dropped_from_a_line():
    assert plain_line("あ\x00い\u200bう\r\nえ\tお ") == "あいう え\tお"


def _open(data: bytes):
    return docx.Document(io.BytesIO(data))


def test_docx_opens_and_holds_the_headings_paragraphs_and_bulleted_items():
    document = _open(to_docx(DOC))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs == [
        ("Title", "再発防止策の検討資料"),
        ("Normal", "下書きです。"),
        ("Heading 1", "事案の概要"),
        ("Normal", "封筒に別の人の受給者証を入れて送ってしまった"),
        ("Heading 1", "再発防止策（案）"),
        ("Heading 2", "確認体制・ダブルチェック"),
        ("List Bullet", "封入前に複数の職員で宛名を確認する。 〔事案12（令和6年度）〕"),
        ("List Bullet", "研修を行う。"),
    ]
    assert document.core_properties.title == "再発防止策の検討資料"


def test_docx_notes_are_small_and_japanese_text_gets_an_east_asian_font():
    document = _open(to_docx(DOC))
    item = document.paragraphs[6]
    assert [run.text for run in item.runs] == ["封入前に複数の職員で宛名を確認する。", " 〔事案12（令和6年度）〕"]
    assert item.runs[1].font.size.pt == 9
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "游明朝"


def test_docx_keeps_hostile_text_as_text_and_survives_control_characters():
    document = _open(to_docx(Document("題\x00", (Paragraph(HOSTILE + "\x07"),))))
    assert document.paragraphs[1].text == HOSTILE


def test_write_picks_the_format_from_the_extension(tmp_path):
    assert write(DOC, tmp_path / "案.md").read_text(encoding="utf-8") == to_markdown(DOC)
    assert _open(write(DOC, tmp_path / "案.DOCX").read_bytes()).paragraphs[0].text == "再発防止策の検討資料"
    with pytest.raises(ValueError, match="出力形式"):
        write(DOC, tmp_path / "案.pdf")
    assert not (tmp_path / "案.pdf").exists()


def test_docx_is_a4_with_japanese_fonts_real_headings_and_page_numbers():
    data = to_docx(DOC)
    assert_filed_word(data)
    document = _open(data)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["事案の概要", "再発防止策（案）", "確認体制・ダブルチェック"]
