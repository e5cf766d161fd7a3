"""PDF batch lists imported like any table: PDFs drawn in the test (tests/pdf_layouts.py) in the
layouts bodies publish — a table over pages with its header repeated, wrapped cells, continuation
rows, two tables, dates instead of years — and the PDFs that cannot be read, each one clear line."""

from __future__ import annotations

import pytest
from conftest import SEED, FakeEmbedder
from pdf_layouts import IPA_GOTHIC, encrypted_pdf, image_only_pdf, list_pdf, seed_rows

from assistant.cli import main
from assistant.importer import commit, parse, preview, validate
from assistant.store import Store, store_path
from data import read_table
from data.sheets import read_sheets

HEADER = ["発生日", "事案の概要", "類型", "再発防止策"]
YEARLY = ["年度", "事案の内容", "類型", "再発防止策"]
LONG = (
    "児童扶養手当の現況届の案内を送付する際、宛名ラベルの印刷順序と封入する案内文書の順序が一件ずれていたため、"
    "百二十人の受給者に他の受給者の氏名と住所が記載された案内文書を送付してしまった。"
)


@pytest.fixture(autouse=True)
def _font():
    assert IPA_GOTHIC.exists(), "fonts-ipafont is missing: apt-get install -y fonts-ipafont (.ci/run installs it)"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.sqlite3") as opened:
        yield opened


def _fields(incident):
    return (incident.fiscal_year, incident.description, incident.categories, incident.measures)


def test_the_seed_as_a_multi_page_pdf_list_imports_as_the_same_19_incidents(tmp_path, store):
    import pdfplumber

    path = list_pdf(tmp_path / "一覧.pdf", [seed_rows(SEED)])
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) >= 3  # the header is repeated on every page
    report = validate(path, store=store)
    expected = read_table(SEED).incidents
    assert report.problems == () and len(report.incidents) == len(expected) == 19
    assert [_fields(i) for i in report.incidents] == [_fields(i) for i in expected]
    ninth = report.incidents[8]
    assert ninth.categories == ("100人以上", "不正目的")  # merged with its continuation row
    assert ninth.metadata == {"表": "別紙1 個人情報に関する重大事故の内容等", "頁": "p2"}
    assert commit(report, store) == 19 and len(store.incidents()) == 19


def test_wrapped_japanese_cells_join_without_a_space_and_line_ends_separate_measures(tmp_path):
    rows = [["令和5年6月1日", LONG, "100人以上", "封入前に二人で順序を確認する\n宛名ラベルと文書を一件ずつ照合する"]]
    path = list_pdf(tmp_path / "list.pdf", [("誤送付の一覧", HEADER, rows)])
    (incident,) = validate(path).incidents
    assert incident.description == LONG  # wrapped over several lines in the PDF
    assert incident.measures == ("封入前に二人で順序を確認する", "宛名ラベルと文書を一件ずつ照合する")


def test_a_row_with_an_empty_date_continues_the_row_above(tmp_path):
    rows = [
        ["2023/10/2", "USBメモリを紛失した。", "要配慮", "持ち出しを許可制にする"],
        ["", "後日、庁舎内で発見された。", "", "保管場所を施錠する"],
        ["2024/1/5", "FAXを誤送信した。", "", "短縮ダイヤルを使う"],
    ]
    path = list_pdf(tmp_path / "list.pdf", [("公表事案", HEADER, rows)])
    first, second = validate(path).incidents
    assert first.description == "USBメモリを紛失した。後日、庁舎内で発見された。"
    assert first.measures == ("持ち出しを許可制にする", "保管場所を施錠する")
    assert (first.fiscal_year, first.year_raw, second.fiscal_year) == (2023, "2023/10/2", 2023)


def test_a_date_column_gives_the_fiscal_year_and_keeps_the_date(tmp_path):
    rows = [["令和6年3月31日", "書類を紛失した", "", "保管を徹底する"], ["令和6年4月1日", "誤交付した", "", "確認する"]]
    path = list_pdf(tmp_path / "list.pdf", [("一覧", ["発生年月日", "事案の内容", "類型", "今後の対策"], rows)])
    shown = preview(path)
    assert shown.suggested_mapping["year"] == "発生年月日" and shown.suggested_mapping["measures"] == "今後の対策"
    march, april = validate(path).incidents
    assert (march.fiscal_year, march.year_raw) == (2023, "令和6年3月31日")
    assert april.fiscal_year == 2024


def test_two_tables_are_offered_separately_under_their_titles(tmp_path, store):
    first = [["R5", "住民票を誤交付した", "", "本人確認を徹底する"]]
    second = [[f"2024/5/{d}", f"メールを誤送信した({d})", "", "送信前に確認する"] for d in range(1, 4)]
    path = list_pdf(
        tmp_path / "公表.pdf",
        [("令和5年度 市民課の事案", YEARLY, first), ("令和6年度 上半期", HEADER, second)],
    )
    sheets = read_sheets(str(path))
    assert [s.label for s in sheets] == ["令和5年度 市民課の事案", "令和6年度 上半期"]
    (problem,) = validate(path).problems
    assert problem.startswith(f"{path}:1: 表が 2 つあります") and "1「令和5年度 市民課の事案」" in problem
    assert "2「令和6年度 上半期」(p1、3行)" in problem
    assert [i.description for i in validate(path, table=1).incidents] == ["住民票を誤交付した"]
    chosen = validate(parse(path), table=2, store=store)
    assert len(chosen.incidents) == 3 and chosen.incidents[0].metadata["表"] == "令和6年度 上半期"
    assert preview(path, table=2).label == "令和6年度 上半期" and preview(path).label == "令和5年度 市民課の事案"


def test_running_heads_and_page_numbers_do_not_split_a_table(tmp_path):
    rows = [[f"R{5 + i % 2}", f"{i}番目の事案として、{LONG}", "", "確認を徹底する"] for i in range(14)]
    path = list_pdf(tmp_path / "list.pdf", [("一覧", YEARLY, rows)], running_head="A市 公表資料")
    (sheet,) = read_sheets(str(path))
    assert len(sheet.rows) == 14 and sheet.where(sheet.rows[-1][0]).startswith("p")
    assert int(sheet.where(sheet.rows[-1][0])[1]) >= 2


def test_an_error_names_the_file_page_and_row(tmp_path):
    rows = [["R5", f"{i}件目:{LONG}", "", "確認する"] for i in range(20)] + [["R6", "", "", "確認する"]]
    path = list_pdf(tmp_path / "一覧.pdf", [("一覧", YEARLY, rows)])
    (sheet,) = read_sheets(str(path))
    place = sheet.where(sheet.rows[-1][0])
    assert not place.startswith("p1:") and place.startswith("p")
    report = validate(path, source="一覧.pdf")
    assert report.problems == (f"一覧.pdf:{place}: 事案の内容が空です (description is empty)",)
    assert report.incidents == ()


def test_a_scan_without_text_is_one_clear_line(tmp_path):
    report = validate(image_only_pdf(tmp_path / "scan.pdf"), source="scan.pdf")
    (problem,) = report.problems
    assert problem.startswith("scan.pdf:1: 文字の情報がない PDF です") and "OCR" in problem


def test_an_encrypted_pdf_is_one_clear_line(tmp_path):
    path = encrypted_pdf(tmp_path / "locked.pdf", HEADER, [["R5", "紛失した", "", "確認する"]])
    (problem,) = validate(path, source="locked.pdf").problems
    assert problem == (
        "locked.pdf:1: パスワードで保護された PDF は読めません。保護を外して保存し直してください (encrypted PDF)"
    )


@pytest.mark.parametrize("blob", [b"", b"%PDF-1.7\n garbage \x00\xff", b"\x89PNG\r\n\x1a\n" + bytes(200)])
def test_a_broken_pdf_is_one_clear_line(tmp_path, blob):
    path = tmp_path / "broken.pdf"
    path.write_bytes(blob)
    (problem,) = validate(path, source="broken.pdf").problems
    assert problem.startswith("broken.pdf:1: PDF として読めません")


def test_a_pdf_with_text_but_no_ruled_table_says_so(tmp_path):
    from pdf_layouts import _pdf

    pdf = _pdf()
    pdf.add_page()
    pdf.cell(0, 10, "個人情報の漏えいについて（お知らせ）")
    pdf.output(str(tmp_path / "memo.pdf"))
    (problem,) = validate(tmp_path / "memo.pdf", source="memo.pdf").problems
    assert problem.startswith("memo.pdf:1: 罫線で囲まれた表が見つかりません")


@pytest.fixture
def cli_env(zenrei_home, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: FakeEmbedder())
    return zenrei_home


def test_cli_lists_the_tables_then_imports_the_one_chosen(tmp_path, cli_env, capsys):
    one = [["R5", "住民票を誤交付した", "", "本人確認を徹底する"]]
    two = [["R6", "メールを誤送信した", "", "送信前に確認する"], ["R6", "FAXを誤送信した", "", "番号を読み上げる"]]
    path = list_pdf(tmp_path / "公表.pdf", [("市民課", HEADER, one), ("福祉課", HEADER, two)], new_page_per_table=True)
    assert main(["import", str(path), "--yes", "--no-index"]) == 2
    out = capsys.readouterr().out
    assert "表が 2 つあります" in out and "1「市民課」(p1、1行)" in out and "2「福祉課」(p2、2行)" in out
    assert main(["import", str(path), "--table", "2", "--yes", "--no-index"]) == 0
    assert "2件を保存しました" in capsys.readouterr().out
    with Store(store_path(cli_env)) as store:
        assert [i.description for i in store.incidents()] == ["メールを誤送信した", "FAXを誤送信した"]


def test_pdfminer_repairs_are_not_printed_beside_our_one_line(tmp_path, caplog):
    import logging

    drawn = list_pdf(tmp_path / "list.pdf", [("一覧", YEARLY, [["R5", "紛失した", "", "確認する"]])]).read_bytes()
    path = tmp_path / "nomb.pdf"  # pages without a MediaBox: pdfminer warns while it repairs them
    path.write_bytes(drawn.replace(b"/MediaBox", b"/MediaBoy"))
    with caplog.at_level(logging.WARNING):
        (problem,) = validate(path, source="nomb.pdf").problems
    assert problem == "nomb.pdf:1: PDF として読めません (not a readable PDF: TypeError)"
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pdfminer")] == []
