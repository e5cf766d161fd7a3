"""Rows of Excel workbooks (.xlsx, first sheet) as text cells, with Excel's row numbers as lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .decoding import MAX_FILE_BYTES, check_cell
from .records import TableError
from .xlsx_limits import check_workbook, unreadable_workbook


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 2023 as 2023.0
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def xlsx_rows(path: str) -> list[tuple[int, list[str]]]:
    """Every non-blank row of the first worksheet as (row number, cells); TableError when unreadable."""
    import openpyxl  # only Excel imports need it

    if Path(path).stat().st_size > MAX_FILE_BYTES:
        raise TableError(path, None, "ファイルが大きすぎます (file too large)")
    check_workbook(path)  # zip bombs: refused from the zip directory, before parsing
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise TableError(path, None, unreadable_workbook(exc)) from None
    try:
        if not book.worksheets:
            raise TableError(path, None, "ワークシートがありません (the workbook has no worksheet)")
        rows = []
        number = 0
        try:
            for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in values]
                if any(c.strip() for c in cells):
                    for cell in cells:
                        check_cell(path, number, cell)
                    rows.append((number, cells))
        except TableError:
            raise
        except Exception as exc:  # the sheet is parsed while iterating: broken XML, a missing shared string
            raise TableError(path, number + 1, unreadable_workbook(exc)) from None
        return rows
    finally:
        book.close()
