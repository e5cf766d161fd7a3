"""Tables of PDF batch lists (一括公表の一覧) as Sheets: one per table, labelled with its title.

Why pdfplumber: it is maintained, pure Python on top of pdfminer.six (no system library, no
Java, installs from PyPI offline-friendly wheels), and it finds a table's cells from the ruled
lines that these lists are printed with, and gives every character with its position — which
is what joining wrapped lines correctly needs. camelot and tabula need Ghostscript or Java;
PyMuPDF is AGPL.

What a published list does and how we read it:
- A cell's text wraps over several lines. A line that runs to the cell's right edge was wrapped
  by the layout: the next line joins it with no space (Japanese), or one space between two
  Latin letters or digits. A line that stops short ended where the author ended it: a line
  break, which separates measures.
- A table running over pages repeats its header on each page: dropped. A table at the top of a
  later page with the same columns continues the one before; a title line or a different header
  starts a new table. Page numbers and lines repeated above every page's table are not titles.
- A row with an empty year/date cell continues the row above (the Sheet says "year").
- A PDF without a text layer (a scan), an encrypted or a damaged one: one clear line. No OCR.
"""

from __future__ import annotations

import contextlib
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import columns
from .decoding import MAX_FILE_BYTES, check_cell
from .records import TableError
from .sheets import PlacedError, Sheet
from .tabular import column_key

MAX_PAGES = 500  # a batch list is tens of pages; this bounds the work a hostile file can ask for
_PAGE_NUMBER = re.compile(r"^[\s\-–—ー－(（]*(?:p\.?\s*)?\d+\s*(?:/\s*\d+)?(?:頁|ページ)?[\s\-–—ー－)）]*$", re.I)
_LATIN = re.compile(r"[0-9A-Za-z]")
# A line starting with a bullet starts a new item even when the line above ran to the edge (the
# layout broke at the space before it); a circled number does after a sentence end ("1件の①②"
# is one sentence).
_BULLET_START = re.compile(r"[・･●○■□◆◇•◦▪‣]")
_NUMBER_START = re.compile(r"[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf\u2776-\u277f]")


@dataclass
class _Building:
    """A table being assembled from the pages it runs over."""

    label: str
    headers: tuple[str, ...]
    rows: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    places: dict[int, str] = field(default_factory=dict)


def _line_groups(chars: list[dict]) -> list[list[dict]]:
    """Characters in reading order, grouped into visual lines (by their top, within half a size)."""
    lines: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (round(c["top"], 1), c["x0"])):
        if lines and abs(char["top"] - lines[-1][0]["top"]) <= max(1.0, char["size"] * 0.5):
            lines[-1].append(char)
        else:
            lines.append([char])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _line_text(line: list[dict]) -> str:
    parts: list[str] = []
    for i, char in enumerate(line):
        if i and char["x0"] - line[i - 1]["x1"] > char["size"] * 0.6 and not parts[-1].isspace():
            parts.append(" ")  # a gap drawn without a space character
        parts.append(char["text"])
    return "".join(parts).rstrip()


def cell_text(chars: list[dict], bbox: tuple[float, float, float, float]) -> str:
    """The text of one cell, its wrapped lines joined as the author wrote them (module docstring)."""
    x0, top, x1, bottom = bbox
    inside = [c for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom]
    lines = [line for line in _line_groups(inside) if _line_text(line).strip()]
    if not lines:
        return ""
    padding = max(0.0, min(line[0]["x0"] for line in lines) - x0)
    text = _line_text(lines[0])
    for before, line in zip(lines, lines[1:], strict=False):
        size = max(c["size"] for c in before)
        wrapped = x1 - before[-1]["x1"] <= padding + size * 1.2
        following = _line_text(line).lstrip()
        item = _BULLET_START.match(following) or (_NUMBER_START.match(following) and text[-1:] in "。：:")
        if not wrapped or item:
            text += "\n" + following
        elif text and following and _LATIN.match(text[-1]) and _LATIN.match(following[0]):
            text += " " + following
        else:
            text += following
    return text


def _header_key(cells: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(column_key(c.replace("\n", "")) for c in cells)


def _is_header(cells: tuple[str, ...]) -> bool:
    return any(columns.known(c.replace("\n", "")) for c in cells)


def _titles(page, top: float, bottom: float, running: set[str]) -> list[str]:
    """Lines of text between `top` and `bottom` that are neither page numbers nor running heads."""
    chars = [c for c in page.chars if top <= (c["top"] + c["bottom"]) / 2 < bottom]
    lines = [unicodedata.normalize("NFKC", _line_text(line)).strip() for line in _line_groups(chars)]
    return [line for line in lines if line and not _PAGE_NUMBER.match(line) and line not in running]


def _open(path: str):
    import pdfplumber  # only PDF imports need it
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    if Path(path).stat().st_size > MAX_FILE_BYTES:
        raise TableError(path, None, "ファイルが大きすぎます (file too large)")
    try:
        pdf = pdfplumber.open(path)
        pages = pdf.pages  # parses the page tree: a damaged file fails here
    except Exception as exc:  # pdfminer raises many kinds (PSEOF, PDFSyntaxError, KeyError…) for a broken file
        # pdfplumber wraps pdfminer's errors: the password error is its argument or its cause.
        if any(isinstance(e, PDFPasswordIncorrect) for e in (exc, exc.__cause__, *exc.args)):
            raise TableError(
                path, None, "パスワードで保護された PDF は読めません。保護を外して保存し直してください (encrypted PDF)"
            ) from None
        raise TableError(path, None, f"PDF として読めません (not a readable PDF: {type(exc).__name__})") from None
    if len(pages) > MAX_PAGES:
        pdf.close()
        raise TableError(path, None, f"ページが多すぎます ({len(pages)} > {MAX_PAGES}) (too many pages)")
    return pdf


@contextlib.contextmanager
def _quiet_pdfminer() -> Iterator[None]:
    """pdfminer logs its repairs of a damaged file ("MediaBox missing…") as warnings; the user gets
    our one line instead, so they are silenced while we read."""
    logger = logging.getLogger("pdfminer")
    level = logger.level
    logger.setLevel(logging.ERROR + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def pdf_sheets(path: str) -> tuple[Sheet, ...]:
    """Every table in the PDF, in page order; TableError/PlacedError naming the file (and page)."""
    with _quiet_pdfminer():
        return _pdf_sheets(path)


def _pdf_sheets(path: str) -> tuple[Sheet, ...]:
    pdf = _open(path)
    try:
        return _sheets(path, pdf)
    except TableError:
        raise
    except Exception as exc:  # a page pdfminer cannot interpret: the file is broken, not our table
        raise TableError(path, None, f"PDF として読めません (not a readable PDF: {type(exc).__name__})") from None
    finally:
        pdf.close()


def _sheets(path: str, pdf) -> tuple[Sheet, ...]:
    built: list[_Building] = []
    current: _Building | None = None
    running: set[str] = set()  # lines seen above a table on an earlier page
    seen_text = False
    line = 0
    for page in pdf.pages:
        number = page.page_number
        chars = page.chars
        seen_text = seen_text or any(c["text"].strip() for c in chars)
        above_here: list[str] = []
        previous_bottom = 0.0
        for table in sorted(page.find_tables(), key=lambda t: t.bbox[1]):
            titles = _titles(page, previous_bottom, table.bbox[1], running)
            above_here.extend(titles)
            previous_bottom = table.bbox[3]
            rows = [
                (position, tuple(cell_text(chars, cell) if cell else "" for cell in row.cells))
                for position, row in enumerate(table.rows, start=1)
            ]
            rows = [(p, cells) for p, cells in rows if any(c.strip() for c in cells)]
            header_at = next((i for i, (_, cells) in enumerate(rows[:5]) if _is_header(cells)), None)
            width = len(rows[0][1]) if rows else 0
            if header_at is not None:
                header = tuple(c.replace("\n", "") for c in rows[header_at][1])
                same = current is not None and _header_key(header) == _header_key(current.headers)
                if titles or not same:
                    label = " ".join(titles) or (current.label if same and current else "")
                    current = _Building(label, header)
                    built.append(current)
                # Rows above the header inside the ruling are a title drawn as a table row.
                if not titles and header_at and not current.rows:
                    current.label = " ".join(c for _, cells in rows[:header_at] for c in cells if c.strip())
                rows = rows[header_at + 1 :]
            elif current is None or width != len(current.headers) or titles:
                # No header we know: the first row is the header, and the user maps its columns.
                current = _Building(" ".join(titles), tuple(c.replace("\n", "") for c in rows[0][1]) if rows else ())
                built.append(current)
                rows = rows[1:]
            for position, cells in rows:
                line += 1
                place = f"p{number}:{position}"
                for cell in cells:
                    try:
                        check_cell(path, line, cell)
                    except TableError as exc:
                        raise PlacedError(path, place, exc.message) from None
                current.rows.append((line, cells))
                current.places[line] = place
        running.update(above_here)
    if not seen_text:
        raise TableError(
            path,
            None,
            "文字の情報がない PDF です (スキャンした画像など)。文字認識 (OCR) には対応していません。"
            "文字を選択できる PDF か、CSV・Excel にしてください (no text layer; OCR is not supported)",
        )
    sheets = tuple(
        Sheet(b.headers, tuple(b.rows), label=b.label, continuation="year", places=b.places)
        for b in built
        if b.rows
    )
    if not sheets:
        raise TableError(
            path, None, "罫線で囲まれた表が見つかりません (no ruled table found; only ruled tables are read)"
        )
    return sheets
