"""Blank tables to fill in and import: the headers the importer recognises and one example row."""

from __future__ import annotations

import csv
import io

HEADERS = ("id", "年度", "事案の内容", "類型", "再発防止策")
EXAMPLE = (
    "",  # left empty: the importer numbers the rows "<file name>-1", "-2", …
    "R6",
    "児童手当の通知書を封入する際、別の世帯の通知書を同封して郵送した。",
    "要配慮",
    "・封入は二人で行い、宛名と通知書を一件ずつ照合する\n・発送前に件数を確認する",
)
CSV_NAME = "取り込み用テンプレート.csv"
XLSX_NAME = "取り込み用テンプレート.xlsx"


def template_csv() -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Japanese headers correctly."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([HEADERS, EXAMPLE])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "事案"
    sheet.append(HEADERS)
    sheet.append(EXAMPLE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDE", (8, 10, 60, 14, 60), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
