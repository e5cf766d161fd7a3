"""PDFs made in the test, as public bodies publish their lists: a title, a ruled table over pages
with the header repeated, wrapped cells; drawn with fpdf2 in Debian's IPA Gothic (fonts-ipafont,
installed by .ci/run). Used by tests/test_pdf_import.py and bench/fuzz.py."""

from __future__ import annotations

from pathlib import Path

IPA_GOTHIC = Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")


def _pdf(orientation: str = "L"):
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation)
    pdf.add_font("ipag", fname=str(IPA_GOTHIC))
    pdf.add_font("ipag", style="B", fname=str(IPA_GOTHIC))  # table headings are drawn "bold"
    pdf.set_font("ipag", size=9)
    pdf.set_auto_page_break(True, margin=12)
    return pdf


def _table(pdf, header, rows, widths):
    with pdf.table(col_widths=widths, repeat_headings=1, text_align="LEFT", line_height=5) as table:
        for cells in [header, *rows]:
            row = table.row()
            for cell in cells:
                row.cell(cell)


def list_pdf(path: Path, tables, *, widths=None, new_page_per_table=False, running_head: str = "") -> Path:
    """`tables`: [(title, header, rows)], each drawn under its title; a table runs over pages with
    its header repeated. Page numbers in the footer; `running_head` on top of every page."""
    pdf = _pdf()
    if running_head:
        pdf.header = lambda: (pdf.set_font("ipag", size=8), pdf.cell(0, 6, running_head), pdf.ln(8))
    pdf.footer = lambda: (
        pdf.set_y(-10),
        pdf.set_font("ipag", size=8),
        pdf.cell(0, 5, f"- {pdf.page_no()} -", align="C"),
    )
    pdf.add_page()
    for index, (title, header, rows) in enumerate(tables):
        if index and new_page_per_table:
            pdf.add_page()
        pdf.set_font("ipag", size=11)
        pdf.cell(0, 8, title)
        pdf.ln(10)
        pdf.set_font("ipag", size=9)
        _table(pdf, header, rows, widths or _widths(len(header)))
        pdf.ln(8)
    pdf.output(str(path))
    return path


def _widths(n: int) -> tuple[int, ...]:
    return {4: (18, 110, 22, 120), 5: (26, 100, 20, 70, 54), 3: (20, 130, 120)}.get(n, tuple([270 // n] * n))


def image_only_pdf(path: Path) -> Path:
    """A scan: one page holding a picture and no text."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (600, 300), "white")
    ImageDraw.Draw(picture).rectangle((20, 20, 580, 280), outline="black", width=3)
    pdf = _pdf()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=250)
    pdf.output(str(path))
    return path


def encrypted_pdf(path: Path, header, rows) -> Path:
    pdf = _pdf()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    _table(pdf, header, rows, _widths(len(header)))
    pdf.output(str(path))
    return path


def seed_rows(seed: Path) -> tuple[str, list[str], list[list[str]]]:
    """The seed table's title, header and rows as its PDF showed them: HTML cells as their text."""
    from data.markup import strip_markup

    lines = [line for line in seed.read_text(encoding="utf-8").splitlines() if line.strip()]
    title = lines[0].strip()
    header = lines[1].split("\t")
    rows = []
    for line in lines[2:]:
        cells = (line.split("\t") + [""] * 4)[:4]
        shown = []
        for cell in cells:
            text = strip_markup(cell) if "<" in cell else cell
            shown.append("\n".join(part.strip() for part in text.splitlines() if part.strip()))
        rows.append(shown)
    return title, header, rows
