"""Workbooks an attacker or a broken exporter would send, written part by part (no openpyxl), so
each can claim what a real one never would: one huge shared string, gigabytes of whitespace, no
worksheet, a formula whose cached value is itself a formula, a directory that lies about sizes.

Used by tests/test_workbook_limits.py (small ones) and bench/fuzz.py, bench/bombs.py (big ones).
"""

from __future__ import annotations

import os
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

HEADER = ("年度", "事案の内容", "類型", "再発防止策")


def _content_types(shared: bool, sheet: bool) -> str:
    parts = [
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/>'
    ]
    if sheet:
        parts.append(
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
        )
    if shared:
        parts.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' + "".join(parts) + "</Types>"
    )


def _workbook(sheet: bool) -> str:
    sheets = '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>' if sheet else "<sheets/>"
    return f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">{sheets}</workbook>'


def _workbook_rels(shared: bool, sheet: bool) -> str:
    rels = []
    if sheet:
        rels.append(f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>')
    if shared:
        rels.append(f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    return f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">{"".join(rels)}</Relationships>'


ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def inline_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def rows_xml(rows: Iterable[Iterable[str]], first_row: int = 1) -> str:
    out = []
    for number, row in enumerate(rows, start=first_row):
        cells = "".join(inline_cell(f"{_column(i)}{number}", value) for i, value in enumerate(row))
        out.append(f'<row r="{number}">{cells}</row>')
    return "".join(out)


def sheet_xml(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'


def write_workbook(
    path: Path,
    sheet: str | None,
    shared_strings: str | None = None,
    *,
    big_part: tuple[str, Iterable[bytes]] | None = None,
) -> Path:
    """An .xlsx of the given sheet XML (None: a workbook without any worksheet). `big_part` streams
    one part's bytes in chunks (a bomb never needs to exist in memory to be written)."""
    big_name = big_part[0] if big_part else None
    has_shared = shared_strings is not None or big_name == "xl/sharedStrings.xml"
    has_sheet = sheet is not None or big_name == "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _content_types(has_shared, has_sheet))
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", _workbook(has_sheet))
        book.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(has_shared, has_sheet))
        if sheet is not None:
            book.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            book.writestr("xl/sharedStrings.xml", shared_strings)
        if big_part:
            name, chunks = big_part
            with book.open(name, "w", force_zip64=True) as handle:
                for chunk in chunks:
                    handle.write(chunk)
    return path


def table_workbook(path: Path, rows: Iterable[Iterable[str]], header: Iterable[str] = HEADER) -> Path:
    return write_workbook(path, sheet_xml(rows_xml([list(header), *map(list, rows)])))


def no_sheet_workbook(path: Path) -> Path:
    return write_workbook(path, None)


def cached_formula_workbook(path: Path, cached: str) -> Path:
    """Row 2's description is a formula whose cached value (what data_only reads) is `cached`."""
    body = rows_xml([list(HEADER)]) + (
        f'<row r="2">{inline_cell("A2", "R5")}<c r="B2" t="str"><f>CONCAT("=","1+1")</f>'
        f"<v>{escape(cached)}</v></c></row>"
    )
    return write_workbook(path, sheet_xml(body))


def _repeat(piece: bytes, total: int, chunk: int = 16 * 1024 * 1024) -> Iterable[bytes]:
    block = piece * (chunk // len(piece))
    left = total
    while left > 0:
        yield block[:left]
        left -= len(block)


def shared_string_bomb(path: Path, size: int, chunks: Iterable[bytes] | None = None) -> Path:
    """One shared string of `size` bytes (of "A", or of `chunks`), used by cell A2: megabytes on
    disk, gigabytes unpacked."""
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="2" uniqueCount="2">'
        "<si><t>事案の内容</t></si><si><t>"
    )
    tail = "</t></si></sst>"
    chunks = [head.encode(), *(_repeat(b"A", size) if chunks is None else chunks), tail.encode()]
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    return write_workbook(path, sheet_xml(body), big_part=("xl/sharedStrings.xml", chunks))


def random_text(size: int, chunk: int = 4 * 1024 * 1024) -> Iterable[bytes]:
    """`size` bytes of random letters and digits: they barely compress (about 1.3 times)."""
    import base64

    left = size
    while left > 0:
        piece = base64.b64encode(os.urandom(chunk))[: min(chunk, left)]
        yield piece.replace(b"+", b"a").replace(b"/", b"b")
        left -= len(piece)


def whitespace_bomb(path: Path, size: int) -> Path:
    """A valid two-row sheet padded with `size` bytes of whitespace between its rows."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{rows_xml([HEADER])}'
    tail = rows_xml([("R5", "住民票を誤交付した", "", "")], first_row=2) + "</sheetData></worksheet>"
    chunks = [head.encode(), *_repeat(b" \n\t ", size), tail.encode()]
    return write_workbook(path, None, big_part=("xl/worksheets/sheet1.xml", chunks))


def lying_directory_workbook(path: Path, claimed: int) -> Path:
    """A small valid workbook whose central directory says its sheet unpacks to `claimed` bytes."""
    table_workbook(path, [("R5", "住民票を誤交付した", "", "")])
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")  # central directory headers: signature, then fixed fields
    while at != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_length]) == name:
            struct.pack_into("<L", data, at + 24, claimed)  # its uncompressed size
            break
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


def missing_shared_string_workbook(path: Path) -> Path:
    """Cell A2 refers to shared string 7 of 1 (openpyxl: IndexError while iterating)."""
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>7</v></c></row>'
    return write_workbook(path, sheet_xml(body), shared_strings=f'<sst xmlns="{MAIN}"><si><t>事案の内容</t></si></sst>')


def entity_expansion_workbook(path: Path, levels: int = 8) -> Path:
    """A "billion laughs" sheet: nested XML entities that would expand to 10**levels letters."""
    entities = ['<!ENTITY e0 "aaaaaaaaaa">']
    entities += [f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, levels)]
    doctype = f"<!DOCTYPE worksheet [{''.join(entities)}]>"
    expanded = f'<c r="A2" t="inlineStr"><is><t>&e{levels - 1};</t></is></c>'
    body = f'<row r="1">{inline_cell("A1", "事案の内容")}</row><row r="2">{expanded}</row>'
    return write_workbook(
        path, f'<?xml version="1.0"?>{doctype}<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'
    )


def cut_sheet_workbook(path: Path, rows: Iterable[Iterable[str]], keep: float = 0.5) -> Path:
    """A workbook whose sheet XML stops part way (a broken save)."""
    xml = sheet_xml(rows_xml([list(HEADER), *map(list, rows)]))
    return write_workbook(path, xml[: max(1, int(len(xml) * keep))])
