"""Importing users' tables: every format and encoding, column mapping, reports, CLI, export."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import SEED, FakeEmbedder

from assistant.cli import main
from assistant.exporter import export_store
from assistant.importer import commit, preview, validate
from assistant.store import Store, StoreError, store_path

HEADER = ["年度", "事案の内容", "類型", "再発防止策"]
ROWS = [
    ["R5", "住民票の写しを別人に誤交付した", "要配慮", "・交付時に氏名と生年月日を読み上げて確認する"],
    ["令和6年度", "メールの宛先を誤って送信した", "", "・送信前に宛先を複数人で確認する\n・BCCを使う"],
]


def _delimited(rows, delimiter=","):
    def quoted(cell):
        return f'"{cell}"' if any(c in cell for c in f'{delimiter}"\n') else cell

    return "\n".join(delimiter.join(quoted(c) for c in row) for row in rows) + "\n"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.sqlite3") as opened:
        yield opened


def _check_two_incidents(report):
    assert report.problems == ()
    first, second = report.incidents
    assert first.description == "住民票の写しを別人に誤交付した" and first.fiscal_year == 2023
    assert first.categories == ("要配慮",) and first.line == 2
    assert second.fiscal_year == 2024 and second.measures == ("送信前に宛先を複数人で確認する", "BCCを使う")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_utf8_with_or_without_bom_and_in_shift_jis_is_read(tmp_path, encoding):
    path = tmp_path / "cases.csv"
    path.write_bytes(_delimited([HEADER, *ROWS]).encode(encoding))
    _check_two_incidents(validate(path))


def test_tsv_is_read(tmp_path):
    path = tmp_path / "cases.tsv"
    path.write_text(_delimited([HEADER, *ROWS], "\t"), encoding="utf-8")
    _check_two_incidents(validate(path))


def test_excel_first_sheet_is_read_with_excel_row_numbers_as_lines(tmp_path):
    path = tmp_path / "cases.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["year", "description", "categories", "measures", "担当課"])
    book.active.append([2023, ROWS[0][1], "要配慮", ROWS[0][3], "市民課"])
    book.active.append([])
    book.active.append(["令和6年度", ROWS[1][1], None, ROWS[1][3], None])
    book.save(path)
    report = validate(path)
    assert report.problems == ()
    assert [i.line for i in report.incidents] == [2, 4]
    assert report.incidents[0].fiscal_year == 2023 and report.incidents[0].metadata == {"担当課": "市民課"}
    assert report.incidents[1].measures == ("送信前に宛先を複数人で確認する", "BCCを使う")


def test_jsonl_is_read_with_lists_and_extra_fields(tmp_path):
    path = tmp_path / "cases.jsonl"
    lines = [
        {"id": "K-1", "year": "R5", "description": ROWS[0][1], "categories": ["要配慮"], "measures": ROWS[0][3]},
        {"id": "K-2", "year": 2024, "description": ROWS[1][1], "measures": ["送信前に確認する"], "body": "A市"},
    ]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    report = validate(path)
    assert report.problems == ()
    assert [i.id for i in report.incidents] == ["K-1", "K-2"]
    assert report.incidents[1].metadata == {"body": "A市"} and report.incidents[1].fiscal_year == 2024


def test_unknown_headers_get_no_suggestion_and_a_mapping_reads_them(tmp_path):
    path = tmp_path / "他課.csv"
    path.write_text(
        "時期,概要説明,区分,対策,担当\nR5,書類を紛失した,要配慮,保管庫を施錠する,総務課\n", encoding="cp932"
    )
    shown = preview(path)
    assert shown.headers == ("時期", "概要説明", "区分", "対策", "担当")
    assert shown.sample_rows[0][1] == "書類を紛失した" and shown.suggested_mapping == {}
    assert validate(path).problems == (f"{path}:1: 「事案の内容」の列を指定してください (map the description column)",)
    mapping = {"year": "時期", "description": "概要説明", "categories": "区分", "measures": "対策"}
    (incident,) = validate(path, mapping).incidents
    assert incident.fiscal_year == 2023 and incident.measures == ("保管庫を施錠する",)
    assert incident.metadata == {"担当": "総務課"} and incident.id == "他課-1"


def test_a_mapping_naming_a_missing_column_is_a_problem(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("年度,事案の内容\nR5,紛失\n", encoding="utf-8")
    assert "列「内容」がファイルにありません" in validate(path, {"description": "内容"}).problems[0]


def test_a_broken_file_reports_each_bad_line_and_stores_nothing(tmp_path, store):
    path = tmp_path / "broken.csv"
    path.write_text("id,年度,事案の内容\nA,R5,紛失した\nB,R6,\nA,R6,誤送付した\n", encoding="utf-8")
    report = validate(path, store=store)
    assert report.incidents == ()
    assert f"{path}:3: 事案の内容が空です (description is empty)" in report.problems
    assert any(p.startswith(f"{path}:4: id「A」が 2 行目と重複") for p in report.problems)
    with pytest.raises(StoreError):
        commit(report, store)
    assert store.incidents() == ()


def test_undecodable_bytes_are_a_problem_with_a_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("年度,事案の内容\nR5,紛失\n".encode() + b"R6,\xff\xfe\xfd\n")
    (problem,) = validate(path).problems
    assert problem.startswith(f"{path}:3: ")


def test_importing_the_same_file_twice_is_refused(tmp_path, store):
    path = tmp_path / "cases.csv"
    path.write_text(_delimited([HEADER, *ROWS]), encoding="utf-8")
    assert commit(validate(path, store=store), store) == 2
    again = validate(path, store=store)
    assert again.incidents == () and "id「cases-1」は既に保存されています" in again.problems[0]


@pytest.fixture
def cli_env(zenrei_home, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: FakeEmbedder())
    return zenrei_home


def test_cli_import_with_a_map_and_yes_stores_and_updates_the_index(tmp_path, cli_env, capsys):
    path = tmp_path / "課の事案.csv"
    path.write_text("日付,内容\nR5,窓口で別人に書類を渡した\n", encoding="utf-8")
    assert main(["import", str(path), "--map", "年度=日付", "--map", "事案の内容=内容", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "1件を保存しました" in out and "索引を更新しました" in out
    with Store(store_path(cli_env)) as store:
        (stored,) = store.incidents()
    assert stored.source == str(path.resolve()) and stored.line == 2 and stored.fiscal_year == 2023


def test_cli_import_prints_problems_as_file_line_and_exits_2(tmp_path, cli_env, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("年度,事案の内容\nR5,\n", encoding="utf-8")
    assert main(["import", str(path), "--yes"]) == 2
    captured = capsys.readouterr()
    assert f"{path.resolve()}:2: 事案の内容が空です" in captured.out and "保存しませんでした" in captured.err
    assert not store_path(cli_env).exists() or Store(store_path(cli_env)).incidents() == ()


def test_cli_import_without_yes_and_no_terminal_stores_nothing(tmp_path, cli_env, capsys):
    path = tmp_path / "ok.csv"
    path.write_text("年度,事案の内容\nR5,紛失した\n", encoding="utf-8")
    assert main(["import", str(path)]) == 0
    assert "保存しませんでした" in capsys.readouterr().out
    with Store(store_path(cli_env)) as store:
        assert store.incidents() == ()


def test_cli_rejects_an_unknown_field_in_map(tmp_path, cli_env, capsys):
    assert main(["import", str(tmp_path / "x.csv"), "--map", "場所=列"]) == 2
    assert "項目「場所」はありません" in capsys.readouterr().err


def test_export_csv_has_a_bom_and_imports_back_unchanged(tmp_path, store):
    path = tmp_path / "cases.csv"
    path.write_text(_delimited([HEADER, *ROWS]), encoding="cp932")
    commit(validate(path), store)
    written = export_store(store, tmp_path / "out")
    csv_file = tmp_path / "out" / "store.csv"
    assert csv_file in written and csv_file.read_bytes().startswith(b"\xef\xbb\xbf")
    with Store(tmp_path / "other.sqlite3") as fresh:
        commit(validate(csv_file, store=fresh), fresh)
        again = fresh.incidents()
    before = store.incidents()
    assert [(i.id, i.fiscal_year, i.description, i.categories, i.measures) for i in again] == [
        (i.id, i.fiscal_year, i.description, i.categories, i.measures) for i in before
    ]
    assert again[0].metadata["取込元ファイル"] == str(path)  # provenance travels as metadata


def test_export_jsonl_imports_back_unchanged(tmp_path, store):
    path = tmp_path / "cases.tsv"
    path.write_text(_delimited([HEADER, *ROWS], "\t"), encoding="utf-8")
    commit(validate(path), store)
    export_store(store, tmp_path / "out")
    report = validate(tmp_path / "out" / "store.jsonl")
    assert [(i.id, i.description, i.measures) for i in report.incidents] == [
        (i.id, i.description, i.measures) for i in store.incidents()
    ]


def test_cli_export_writes_store_and_all_incidents(tmp_path, cli_env, capsys):
    assert main(["export", "--out", str(tmp_path / "out"), "--all"]) == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["all_incidents.csv", "all_incidents.jsonl", "changes.csv", "store.csv", "store.jsonl"]
    assert len(validate(tmp_path / "out" / "all_incidents.csv").incidents) == 19


@pytest.mark.parametrize("name", ["seed.txt", "other_bodies_published.jsonl"])
def test_the_shipped_tables_import_exactly_as_the_readers_read_them(name):
    from data import read_table

    path = SEED.parent / name
    report = validate(path)
    read = read_table(path).incidents
    assert report.problems == () and len(report.incidents) == len(read)

    def fields(i):
        return (i.line, i.fiscal_year, i.description, i.categories, i.measures, i.metadata)

    assert [fields(i) for i in report.incidents] == [fields(i) for i in read]
    assert report.incidents[0].id == ("seed-1" if name == "seed.txt" else read[0].id)


def test_batch_list_header_variants_are_recognised_and_a_date_becomes_its_fiscal_year(tmp_path):
    path = tmp_path / "一覧.csv"
    path.write_text(
        "発生年月日,事案の概要,発生原因,今後の対策,対応状況\n"
        "令和6年3月31日,通知書を誤送付した,確認不足,二人で確認する,本人に謝罪\n"
        "2024/04/01,USBメモリを紛失した,持ち出し,持ち出しを禁止する,捜索中\n",
        encoding="utf-8",
    )
    shown = preview(path)
    # The best-ranked name wins; the other variants stay metadata rather than clash.
    assert shown.suggested_mapping == {"year": "発生年月日", "description": "事案の概要", "measures": "今後の対策"}
    first, second = validate(path).incidents
    assert (first.fiscal_year, first.year_raw) == (2023, "令和6年3月31日")  # March: the fiscal year before
    assert (second.fiscal_year, second.year_raw) == (2024, "2024/04/01")
    assert first.metadata == {"発生原因": "確認不足", "対応状況": "本人に謝罪"}


def test_a_row_without_id_next_to_a_row_with_id_1_is_not_a_duplicate(tmp_path):
    # Bug (#12): the row without id was numbered "1" before the importer renamed it.
    path = tmp_path / "課.csv"
    path.write_text("id,年度,事案の内容\n,R5,書類を紛失した\n1,R6,誤送付した\n", encoding="utf-8")
    report = validate(path)
    assert report.problems == ()
    assert [i.id for i in report.incidents] == ["課-1", "1"]


def test_a_row_without_id_that_collides_after_numbering_is_refused_at_validation(tmp_path, store):
    # Bug (#12): "課-2" given to the second row clashed with the first row's own id only at commit.
    path = tmp_path / "課.csv"
    path.write_text("id,年度,事案の内容\n課-2,R5,書類を紛失した\n,R6,誤送付した\n", encoding="utf-8")
    report = validate(path, store=store)
    assert report.incidents == ()
    assert report.problems == (f"{path}:3: id「課-2」が 2 行目と重複しています (duplicate id, also on line 2)",)
    assert store.incidents() == ()


def test_the_uploader_the_cli_and_the_bundled_tables_share_one_list_of_suffixes():
    from assistant import settings
    from data import formats

    assert settings.TABLE_SUFFIXES is formats.TABLE_SUFFIXES
    assert set(formats.TABLE_SUFFIXES) <= set(formats.IMPORT_SUFFIXES)
    assert {".tab", ".ndjson", ".json", ".xlsx", ".pdf", ".html"} <= set(formats.IMPORT_SUFFIXES)
    assert ".json" not in formats.TABLE_SUFFIXES  # data/tables/sources.json is not a table
    assert formats.uploader_types() == [s[1:] for s in formats.IMPORT_SUFFIXES]


def test_cli_refuses_a_suffix_it_cannot_read_with_the_list_it_takes(tmp_path, cli_env, capsys):
    path = tmp_path / "cases.docx"
    path.write_bytes(b"PK")
    assert main(["import", str(path), "--yes"]) == 2
    err = capsys.readouterr().err
    assert "cases.docx" in err and ".csv" in err and ".pdf" in err
