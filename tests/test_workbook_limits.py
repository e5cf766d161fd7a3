"""Hostile workbooks: refused in one line naming the file, before they can fill memory; nothing stored."""

from __future__ import annotations

import csv
import zipfile

import pytest
from conftest import SEED, FakeEmbedder
from hostile_workbooks import (
    cached_formula_workbook,
    cut_sheet_workbook,
    entity_expansion_workbook,
    lying_directory_workbook,
    missing_shared_string_workbook,
    no_sheet_workbook,
    shared_string_bomb,
    table_workbook,
    whitespace_bomb,
)

import data.xlsx_limits
from assistant.cli import main
from assistant.exporter import export_store
from assistant.importer import commit, preview, validate
from assistant.store import Store, store_path
from data import TableError


def _only_problem(path) -> str:
    report = validate(path)
    assert report.incidents == ()
    (problem,) = report.problems
    assert problem.startswith(f"{path}:1: ") and "\n" not in problem
    return problem


def test_a_directory_claiming_a_huge_sheet_is_refused_before_parsing(tmp_path):
    path = lying_directory_workbook(tmp_path / "claims.xlsx", claimed=3_000_000_000)
    problem = _only_problem(path)
    assert "xl/worksheets/sheet1.xml" in problem and "2,861 MB" in problem and "大きすぎます" in problem


def test_a_shared_string_bomb_is_refused_by_its_compression_ratio(tmp_path):
    # 2 MB of one letter packs to 2 KB; the real bomb (1.5 GB) is measured by bench/bombs.py.
    path = shared_string_bomb(tmp_path / "bomb.xlsx", 2 * 1024 * 1024)
    problem = _only_problem(path)
    assert "xl/sharedStrings.xml" in problem and "圧縮率が異常です" in problem


def test_a_sheet_padded_with_whitespace_is_refused_by_its_compression_ratio(tmp_path):
    path = whitespace_bomb(tmp_path / "spaces.xlsx", 2 * 1024 * 1024)
    problem = _only_problem(path)
    assert "xl/worksheets/sheet1.xml" in problem and "圧縮率が異常です" in problem


def test_too_much_unpacked_in_total_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(data.xlsx_limits, "MAX_TOTAL_BYTES", 1000)
    path = table_workbook(tmp_path / "cases.xlsx", [("R5", "住民票を誤交付した", "", "")])
    assert "合計" in _only_problem(path)


def test_a_zip_announcing_too_many_parts_is_refused_before_its_directory_is_read(tmp_path):
    path = table_workbook(tmp_path / "parts.xlsx", [("R5", "住民票を誤交付した", "", "")])
    with zipfile.ZipFile(path, "a") as book:
        for n in range(data.xlsx_limits.MAX_PARTS):
            book.writestr(f"junk/{n}", "")
    assert "部品が多すぎます" in _only_problem(path)


def test_an_ordinary_workbook_still_imports(tmp_path):
    path = table_workbook(tmp_path / "cases.xlsx", [("R5", "住民票を誤交付した", "要配慮", "・確認する")] * 1)
    report = validate(path)
    assert report.problems == () and report.incidents[0].description == "住民票を誤交付した"


def test_a_workbook_without_a_worksheet_is_one_clear_line_in_preview_and_report(tmp_path):
    path = no_sheet_workbook(tmp_path / "empty.xlsx")
    with pytest.raises(TableError) as caught:
        preview(path)  # what the page calls first; it shows TableError as one error line
    assert caught.value.message == "ワークシートがありません (the workbook has no worksheet)"
    assert _only_problem(path) == f"{path}:1: ワークシートがありません (the workbook has no worksheet)"


@pytest.fixture
def cli_env(zenrei_home, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: FakeEmbedder())
    return zenrei_home


@pytest.mark.parametrize("make", [no_sheet_workbook, lambda p: lying_directory_workbook(p, 2_000_000_000)])
def test_the_cli_refuses_a_hostile_workbook_in_one_line_and_stores_nothing(tmp_path, cli_env, capsys, make):
    path = make(tmp_path / "hostile.xlsx")
    assert main(["import", str(path), "--yes"]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{path.resolve()}:1: ") and "Traceback" not in captured.err
    assert not store_path(cli_env).exists() or Store(store_path(cli_env)).incidents() == ()


def test_a_cached_formula_value_is_stored_as_text_and_exported_inert(tmp_path):
    formula = "=cmd|' /C calc'!A0"
    path = cached_formula_workbook(tmp_path / "formula.xlsx", formula)
    report = validate(path)
    assert report.problems == () and report.incidents[0].description == formula
    with Store(tmp_path / "store.sqlite3") as store:
        commit(report, store)
        export_store(store, tmp_path / "out")
    with (tmp_path / "out" / "store.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["事案の内容"] == "'" + formula


def test_a_cell_naming_a_shared_string_that_does_not_exist_is_one_line_on_its_row(tmp_path):
    path = missing_shared_string_workbook(tmp_path / "missing.xlsx")
    (problem,) = validate(path).problems  # was an IndexError traceback
    assert problem.startswith(f"{path}:2: Excel ファイルとして読めません")


@pytest.mark.parametrize(
    "make", [entity_expansion_workbook, lambda p: cut_sheet_workbook(p, [("R5", "事案", "", "")] * 3)]
)
def test_damaged_or_entity_bomb_xml_is_refused_in_one_line(tmp_path, make):
    path = make(tmp_path / "damaged.xlsx")
    report = validate(path)
    assert report.incidents == ()
    (problem,) = report.problems
    assert "Excel ファイルとして読めません" in problem and "\n" not in problem  # openpyxl's own message has 3 lines
