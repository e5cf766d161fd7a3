"""Bad spreadsheets and tables never crash the import and never touch the store.

Hypothesis writes random .xlsx workbooks (random headers, Japanese, HTML, numbers, empty cells)
and random bytes under a spreadsheet name; `importer.validate` must return a report — problems as
"file:line: …" — and a report with problems must store nothing. ZENREI_FUZZ_EXAMPLES sets the
count (CI: a few dozen; `python bench/fuzz.py` runs the reader properties at 10,000+).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import importer
from assistant.store import Store, StoreError

EXAMPLES = max(10, int(os.environ.get("ZENREI_FUZZ_EXAMPLES", "100")) // 3)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADERS = ["年度", "事案の内容", "類型", "再発防止策", "id", "year", "description", "備考", ""]
# openpyxl refuses control characters in cells, as Excel does: generate what a workbook can hold.
CELL_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40) | st.sampled_from(
    ["R5", "令和6年度", "<script>alert(1)</script>", "要配慮、100人以上", "不明", "=1+1"]
)
CELL = st.none() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False) | CELL_TEXT
PROBLEM = re.compile(r"^.+:\d+: .+")


def _workbook(path: Path, header: list[str], rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


def _check(report: importer.Report) -> None:
    assert all(PROBLEM.match(problem) for problem in report.problems), report.problems
    if report.problems:
        assert report.incidents == ()
    for incident in report.incidents:
        assert incident.description.strip()


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6),
    rows=st.lists(st.lists(CELL, max_size=6), max_size=8),
)
def test_random_workbooks_give_a_report_and_failed_imports_store_nothing(header, rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.xlsx"
        _workbook(path, header, rows)
        report = importer.validate(path)
        _check(report)
        with Store(Path(tmp) / "store.sqlite3") as store:
            before = store.incidents()
            try:
                importer.commit(report, store)
            except StoreError:
                assert store.incidents() == before  # refused: nothing stored
            else:
                assert len(store.incidents()) == len(before) + len(report.incidents)


@FUZZ
@given(blob=st.binary(max_size=2048), suffix=st.sampled_from([".xlsx", ".csv", ".tsv", ".jsonl", ".txt"]))
def test_random_bytes_under_any_table_name_are_a_report_with_problems_not_a_crash(blob, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(blob)
        _check(importer.validate(path))
