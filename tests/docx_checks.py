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
