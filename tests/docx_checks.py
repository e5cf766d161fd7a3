"""What every Word file Zenrei writes must be, read back from its XML (shared by the document tests)."""

from __future__ import annotations

import io
import re
import zipfile

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A4_TWIPS = (11906, 16838)  # 210 × 297 mm in twentieths of a point, as Word writes A4
JAPANESE_FONTS = {"游明朝", "ＭＳ 明朝", "MS 明朝", "游ゴシック", "ＭＳ ゴシック", "MS ゴシック"}


def _xml(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode("utf-8")


def _style_fonts(styles: str, style_id: str) -> dict[str, str]:
    block = re.search(rf'<w:style [^>]*w:styleId="{style_id}".*?</w:style>', styles, re.S)
    assert block, f"style {style_id} missing"
    fonts = re.search(r"<w:rFonts ([^>]*)/>", block.group(0))
    assert fonts, f"style {style_id} names no fonts"
    return dict(re.findall(r'w:(\w+)="([^"]*)"', fonts.group(1)))


def assert_filed_word(data: bytes) -> None:
    """A4 portrait, Japanese fonts a Windows Word has for body and headings, a PAGE field in the footer."""
    document = _xml(data, "word/document.xml")
    size = re.search(r'<w:pgSz w:w="(\d+)" w:h="(\d+)"', document)
    assert size and tuple(int(v) for v in size.groups()) == A4_TWIPS, size and size.groups()
    margins = dict(re.findall(r'w:(top|bottom|left|right)="(\d+)"', re.search(r"<w:pgMar [^>]*>", document).group(0)))
    assert all(1000 <= int(v) <= 2000 for v in margins.values()), margins  # 18–35 mm: room to bind and read
    styles = _xml(data, "word/styles.xml")
    wanted = {"Normal": "游明朝", "Title": "游ゴシック", "Heading1": "游ゴシック", "Heading2": "游ゴシック"}
    for style_id, font in wanted.items():
        fonts = _style_fonts(styles, style_id)
        assert fonts.get("eastAsia") == font and fonts["eastAsia"] in JAPANESE_FONTS, (style_id, fonts)
        assert "eastAsiaTheme" not in fonts, (style_id, fonts)  # a theme font would win over the named one
    footer_names = re.findall(r'Target="(footer\d*\.xml)"', _xml(data, "word/_rels/document.xml.rels"))
    assert footer_names, "no footer"
    assert any(re.search(r"<w:instrText[^>]*>\s*PAGE\s*<", _xml(data, f"word/{n}")) for n in footer_names)


# 「出典: 千葉市の公表事案（令和4〜6年度）・令和6年度・事案19」: the body, the fiscal year as the era
# names it, the case; then the published page when there is one.
CITATION = re.compile(
    r"出典[:：] ?(?P<body>[^・〔〕\s][^・〔〕]*)"
    r"・(?P<year>(?:令和|平成|昭和)(?:元|\d+)年度|年度不明)"
    r"・事案(?P<id>[^・〔〕、\s]+)"
)
CASE_ID = re.compile(r"事案 ?([A-Za-z0-9][A-Za-z0-9_\-]*)")
# What a file path looks like in a document: the seed's file, a JSONL table, the tables' folder,
# or a table line reference such as 「seed.txt:27」.
FILE_PATH = re.compile(r"seed\.txt|\.jsonl|data/tables|data\\tables|\.(?:txt|csv|tsv|xlsx|jsonl):\d+")
MM_TOLERANCE = 1.0


def word_paragraphs(data: bytes) -> list[str]:
    """Every paragraph's text: body, tables, headers and footers."""
    import docx

    doc = docx.Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    texts += [p.text for t in doc.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
    for section in doc.sections:
        texts += [p.text for part in (section.header, section.footer) for p in part.paragraphs]
    return texts


def assert_a4_with_body_named_citations(data: bytes) -> list[str]:
    """Read back with python-docx: every section A4 portrait (±1 mm), an East-Asian font a Windows
    Word has in the styles, every 出典 naming body・年度・事案, every case named also cited that
    way, and no file path anywhere. Returns the paragraphs, for the caller's own checks."""
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(io.BytesIO(data))
    for section in doc.sections:
        size = (section.page_width.mm, section.page_height.mm)
        assert abs(size[0] - 210) <= MM_TOLERANCE and abs(size[1] - 297) <= MM_TOLERANCE, f"not A4: {size} mm"
    east_asian = {f.get(qn("w:eastAsia")) for f in doc.styles.element.iter(qn("w:rFonts"))} - {None}
    assert east_asian & JAPANESE_FONTS, f"no Japanese East-Asian font in the styles: {east_asian}"
    paragraphs = word_paragraphs(data)
    text = "\n".join(paragraphs)
    paths = [p for p in paragraphs if FILE_PATH.search(p)]
    assert not paths, f"a file path in the document: {paths}"
    cited: set[str] = set()
    for paragraph in paragraphs:
        for start in [m.start() for m in re.finditer("出典[:：]", paragraph)]:  # not 「出典で確認」
            found = CITATION.match(paragraph, start)
            assert found, f"a citation not of the form 出典: 団体・年度・事案: {paragraph[start : start + 80]!r}"
            cited.add(found["id"])
    named = set(CASE_ID.findall(text))
    assert named <= cited, f"cases named without a 出典 naming their body: {sorted(named - cited)}"
    return paragraphs
