"""Reading incident tables: the seed, CSV, TSV and JSONL, and every way a table can be broken."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import data.decoding
from data import Incident, ReadResult, TableError, read_table, read_tables

SEED = Path(__file__).resolve().parent.parent / "data" / "tables" / "seed.txt"
SEED_LINES = [6, 7, 8, 9, 10, 11, 13, 14, 15, 17, 18, 19, 20, 22, 23, 24, 25, 26, 27]
TAG_OPENER = re.compile(r"<\s*/?\s*[A-Za-z!?]")
JA_HEADER = "年度,事案の内容,類型,再発防止策\n"


@pytest.fixture(scope="module")
def seed() -> ReadResult:
    return read_table(SEED)


def by_id(result: ReadResult) -> dict[str, Incident]:
    return {incident.id: incident for incident in result.incidents}


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding, newline="")
    return path


def table_error(path: Path) -> TableError:
    with pytest.raises(TableError) as caught:
        read_table(path)
    return caught.value


# --- the seed table --------------------------------------------------------------------------


def test_seed_has_19_incidents_with_ids_1_to_19(seed: ReadResult) -> None:
    assert [incident.id for incident in seed.incidents] == [str(n) for n in range(1, 20)]


def test_seed_reads_without_warnings(seed: ReadResult) -> None:
    assert seed.warnings == ()


def test_seed_incidents_start_on_their_published_lines(seed: ReadResult) -> None:
    assert [incident.line for incident in seed.incidents] == SEED_LINES
    assert seed.incidents[0].citation == f"{SEED}:6"


def test_seed_fiscal_years_run_from_r4_to_r6(seed: ReadResult) -> None:
    years = [incident.fiscal_year for incident in seed.incidents]
    assert years == [2022] * 7 + [2023] * 4 + [2024] * 8
    assert seed.incidents[0].year_raw == "R4"


def test_seed_continuation_row_is_merged_into_incident_9(seed: ReadResult) -> None:
    incident = by_id(seed)["9"]
    assert incident.line == 15
    assert incident.categories == ("100人以上", "不正目的")
    assert incident.measures[0].startswith("は、接続できない")  # the PDF fragment, kept as is
    assert incident.measures[-1] == "今回の根本原因を明らかにし、再発防止に向けた抜本的な取組を実施。"
    assert len(incident.measures) == 4
    first_block, second_block = incident.measures_raw.split("\n")
    assert first_block.startswith("は、") and second_block.startswith("引き続き調査")


def test_seed_html_list_of_incident_6_is_split_into_two_actions(seed: ReadResult) -> None:
    incident = by_id(seed)["6"]
    assert incident.measures == (
        "個人情報の取り扱いについて、上司に報告、相談をすることを徹底する。",
        "個人情報の取り扱いに関する課内の研修を実施する。",
    )
    assert incident.measures_raw.startswith('<ul style="list-style-type: none">')


def test_seed_incident_1_has_three_actions(seed: ReadResult) -> None:
    measures = by_id(seed)["1"].measures
    assert len(measures) == 3
    assert measures[2] == "発送前に発行者リストの件数と封筒の発送件数が一致していることを確認する。"


def test_seed_bulleted_measures_keep_their_lead_in(seed: ReadResult) -> None:
    measures = by_id(seed)["11"].measures
    assert measures[0] == "以下について、委託業者が実施。"
    assert measures[1] == "アクセスキー管理強化"
    assert len(measures) == 9


def test_seed_cleaned_fields_hold_no_markup(seed: ReadResult) -> None:
    for incident in seed.incidents:
        for text in (incident.description, *incident.measures, *incident.categories):
            assert not TAG_OPENER.search(text), incident.id


def test_seed_source_is_the_path_as_given(seed: ReadResult) -> None:
    assert {incident.source for incident in seed.incidents} == {str(SEED)}


# --- CSV, TSV and plain text -------------------------------------------------------------------


CSV_BODY = JA_HEADER + "R4,市民Aあての封筒に市民Bの証明書を同封した。,要配慮,封入手順を見直す。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_is_read_in_utf8_utf8_bom_and_cp932(tmp_path: Path, encoding: str) -> None:
    result = read_table(write(tmp_path, "t.csv", CSV_BODY, encoding))
    (incident,) = result.incidents
    assert incident.description == "市民Aあての封筒に市民Bの証明書を同封した。"
    assert incident.categories == ("要配慮",)
    assert incident.fiscal_year == 2022
    assert incident.line == 2


def test_csv_accepts_english_headers_in_any_case(tmp_path: Path) -> None:
    text = (
        "\ufeff Year ,DESCRIPTION,Categories,measures\n2023,Sent to the wrong address.,要配慮/100人以上,Check twice.\n"
    )
    (incident,) = read_table(write(tmp_path, "t.csv", text)).incidents
    assert incident.fiscal_year == 2023
    assert incident.categories == ("要配慮", "100人以上")
    assert incident.measures == ("Check twice.",)


def test_csv_uses_the_id_column_and_keeps_other_columns_as_metadata(tmp_path: Path) -> None:
    text = "id,年度,事案の内容,類型,再発防止策,担当課\nA-7,R5,誤送付した。,要配慮,確認する。,福祉課\n"
    (incident,) = read_table(write(tmp_path, "t.csv", text)).incidents
    assert incident.id == "A-7"
    assert incident.metadata == {"担当課": "福祉課"}


def test_csv_quoted_cell_may_span_lines_and_later_rows_keep_physical_lines(tmp_path: Path) -> None:
    text = JA_HEADER + 'R4,"一行目\n二行目",要配慮,"・確認する\n・研修する"\nR5,次の事案。,,\n'
    first, second = read_table(write(tmp_path, "t.csv", text)).incidents
    assert first.description == "一行目 二行目"
    assert first.measures == ("確認する", "研修する")
    assert (first.line, second.line) == (2, 5)  # the first row spans lines 2–4
    assert first.description_raw == "一行目\n二行目"


def test_tsv_is_tab_separated_with_quotes(tmp_path: Path) -> None:
    text = '年度\t事案の内容\t類型\t再発防止策\nR6\t"A,B\tを誤送付"\t要配慮\t確認する。\n'
    (incident,) = read_table(write(tmp_path, "t.tsv", text)).incidents
    assert incident.description == "A,B を誤送付"


def test_plain_text_skips_title_lines_and_reads_quotes_literally(tmp_path: Path) -> None:
    text = '\n別紙1 事故の内容\n\n年度\t事案の内容\t類型\t再発防止策\nR4\t"ABC"システムから漏えい\t不正目的\t\n'
    (incident,) = read_table(write(tmp_path, "t.txt", text)).incidents
    assert incident.description == '"ABC"システムから漏えい'
    assert incident.line == 5


def test_plain_text_with_comma_header_is_read_as_csv(tmp_path: Path) -> None:
    (incident,) = read_table(write(tmp_path, "t.txt", CSV_BODY)).incidents
    assert incident.categories == ("要配慮",)


def test_crlf_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    text = (JA_HEADER + "R4,誤送付。,,\n\nR5,紛失。,,\n").replace("\n", "\r\n")
    assert [incident.line for incident in read_table(write(tmp_path, "t.csv", text)).incidents] == [2, 4]


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    text = "年度\t事案の内容\nR6\t誤送付。\n"
    (incident,) = read_table(write(tmp_path, "t.tsv", text, "utf-16")).incidents
    assert incident.description == "誤送付。"


def test_jsonl_content_in_a_txt_file_is_recognised(tmp_path: Path) -> None:
    (incident,) = read_table(write(tmp_path, "t.txt", '{"description": "誤送付。"}\n')).incidents
    assert incident.description == "誤送付。"


def test_continuation_row_in_csv_adds_categories_and_measures(tmp_path: Path) -> None:
    text = JA_HEADER + "R5,サーバから持ち出し。,100人以上,是正措置を講じた。\n,,不正目的,調査を継続。\n"
    (incident,) = read_table(write(tmp_path, "t.csv", text)).incidents
    assert incident.categories == ("100人以上", "不正目的")
    assert incident.measures == ("是正措置を講じた。", "調査を継続。")
    assert incident.measures_raw == "是正措置を講じた。\n調査を継続。"


def test_unknown_year_is_a_warning_not_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", JA_HEADER + "不明,誤送付した。,,\nR?,紛失した。,,\n,年度なし。,,\n")
    result = read_table(path)
    assert [incident.fiscal_year for incident in result.incidents] == [None, None, None]
    assert result.incidents[0].year_raw == "不明"
    assert len(result.warnings) == 2  # an empty year is simply unknown
    assert result.warnings[0].startswith(f"{path}:2: 年度「不明」を解釈できません")
    assert result.warnings[1].startswith(f"{path}:3: 年度「R?」")


def test_categories_are_split_normalised_and_deduplicated(tmp_path: Path) -> None:
    text = JA_HEADER + 'R4,誤送付。,"要配慮、１００人以上 要配慮",\n'
    (incident,) = read_table(write(tmp_path, "t.csv", text)).incidents
    assert incident.categories == ("要配慮", "100人以上")


def test_hostile_html_is_removed_from_cleaned_fields_but_kept_raw(tmp_path: Path) -> None:
    script = "<script>alert(1)</script>"
    image = "<img src=x onerror=alert(1)>"
    text = JA_HEADER + f'R4,"誤送付{script}した。{image}","要配慮{image}","<li>確認{script}する</li>"\n'
    (incident,) = read_table(write(tmp_path, "t.csv", text)).incidents
    assert incident.description == "誤送付した。"
    assert incident.categories == ("要配慮",)
    assert incident.measures == ("確認する",)
    assert incident.description_raw == f"誤送付{script}した。{image}"
    assert script in incident.measures_raw


# --- JSONL -----------------------------------------------------------------------------------


def test_jsonl_reads_list_and_string_categories_and_keeps_metadata(tmp_path: Path) -> None:
    records = [
        {
            "id": "HO-1",
            "year": "2024",
            "description": "誤掲載。",
            "categories": ["100人以上"],
            "measures": "確認する。",
            "body": "鎌倉市",
            "incident_type": "誤掲載",
            "source_url": "https://example.org/1",
            "count": 3,
        },
        {
            "id": 2,
            "year": 2023,
            "description": "誤送付。",
            "categories": "要配慮、100人以上",
            "measures": ["封入を確認する。", "研修する。"],
        },
    ]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records[:1]) + "\n\n" + json.dumps(records[1]) + "\n"
    first, second = read_table(write(tmp_path, "t.jsonl", text)).incidents
    assert (first.id, first.line, first.categories) == ("HO-1", 1, ("100人以上",))
    assert first.metadata == {
        "body": "鎌倉市",
        "incident_type": "誤掲載",
        "source_url": "https://example.org/1",
        "count": "3",
    }
    assert (second.id, second.line, second.fiscal_year) == ("2", 3, 2023)
    assert second.categories == ("要配慮", "100人以上")
    assert second.measures == ("封入を確認する。", "研修する。")
    assert second.measures_raw == "封入を確認する。\n研修する。"


def test_jsonl_without_ids_numbers_incidents_by_position(tmp_path: Path) -> None:
    text = '{"description": "一件目"}\n{"description": "二件目", "year": ""}\n'
    result = read_table(write(tmp_path, "t.jsonl", text))
    assert [incident.id for incident in result.incidents] == ["1", "2"]
    assert result.warnings == ()


def test_shared_other_bodies_jsonl_is_read(tmp_path: Path) -> None:
    shared = Path("/work/shared/data/other_bodies_published.jsonl")
    if not shared.exists():
        pytest.skip("shared development corpus not present")
    result = read_table(shared)
    assert len(result.incidents) == 80
    assert result.incidents[0].metadata["body"] == "鎌倉市"


# --- read_tables -----------------------------------------------------------------------------


def test_read_tables_keeps_seed_ids_and_qualifies_repeats_in_later_files(tmp_path: Path) -> None:
    other = write(tmp_path, "other.jsonl", '{"id": "1", "description": "別の事案。"}\n')
    unique = write(tmp_path, "unique.jsonl", '{"id": "HO-9", "description": "固有の事案。"}\n')
    result = read_tables([SEED, other, unique])
    ids = [incident.id for incident in result.incidents]
    assert ids[:19] == [str(n) for n in range(1, 20)]
    assert ids[19:] == ["other:1", "HO-9"]
    assert len(result.warnings) == 1 and "other:<id>" in result.warnings[0]


def test_read_tables_numbers_the_prefix_when_a_stem_repeats(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    first = write(tmp_path, "t.jsonl", '{"id": "1", "description": "一"}\n')
    second = write(tmp_path / "b", "t.jsonl", '{"id": "1", "description": "二"}\n')
    ids = [incident.id for incident in read_tables([first, second, second]).incidents]
    assert ids == ["1", "t:1", "t(2):1"]


# --- broken tables ---------------------------------------------------------------------------


def test_missing_description_column_names_line_1_and_the_columns_found(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "year,title,measures\nR4,x,y\n")
    error = table_error(path)
    assert str(error).startswith(f"{path}:1:")
    assert "事案の内容" in str(error) and "year、title、measures" in str(error)


def test_repeated_column_is_an_error_on_the_header_line(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "年度,事案の内容,description\nR4,a,b\n")
    error = table_error(path)
    assert error.line == 1 and "重複" in str(error)


def test_empty_description_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", JA_HEADER + "R4,誤送付。,,\nR5,,要配慮,\n")
    error = table_error(path)
    assert (error.path, error.line) == (str(path), 3)
    assert "事案の内容が空です" in str(error)


def test_continuation_row_before_any_incident_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", "年度\t事案の内容\t類型\t再発防止策\n\t\t不正目的\t調査する。\n")
    assert str(table_error(path)).startswith(f"{path}:2:")


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.jsonl",
        '{"id": "7", "description": "a"}\n{"id": "x", "description": "b"}\n{"id": 7, "description": "c"}\n',
    )
    error = table_error(path)
    assert error.line == 3 and "1 行目" in str(error)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{"description": "ok"}\n{"description": "broken"\n', 2),
        ('{"description": "ok"}\n\n["not", "an", "object"]\n', 3),
        ('{"description": {"nested": true}}\n', 1),
        ('{"description": "a", "categories": {"x": 1}}\n', 1),
        ('{"description": "\\ud800"}\n', 1),
        ("[" * 100_000 + "\n", 1),
    ],
)
def test_broken_jsonl_line_is_an_error_naming_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path, "t.jsonl", text)
    assert str(table_error(path)).startswith(f"{path}:{line}:")


def test_undecodable_bytes_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(JA_HEADER.encode() + "R4,誤送付,,\n".encode() + b"R5,\xff\xfe\xfd,,\n")
    error = table_error(path)
    assert error.line == 3 and "UTF-8" in str(error)


def test_bytes_neither_utf8_nor_cp932_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"year,description\n2022,\x81\x7f\x80\xa0\n")
    assert str(table_error(path)).startswith(f"{path}:2:")


def test_nul_bytes_are_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_bytes("年度\t事案の内容\nR4\tab\x00c\n".encode())
    error = table_error(path)
    assert error.line == 2 and "NUL" in str(error)


def test_cell_over_one_megabyte_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", JA_HEADER + "R4,短い。,,\nR4," + "あ" * 400_000 + ",,\n")
    error = table_error(path)
    assert error.line == 3 and "大きすぎます" in str(error)


def test_file_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data.decoding, "MAX_FILE_BYTES", 1000)
    path = write(tmp_path, "t.csv", CSV_BODY * 20)
    assert "大きすぎます" in str(table_error(path))


@pytest.mark.parametrize("text", ["", " \n\n\t\n"])
def test_empty_file_is_an_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "t.csv", text)
    assert str(table_error(path)).startswith(f"{path}:1:")


def test_file_without_header_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "\nfoo,bar\n1,2\n")
    error = table_error(path)
    assert error.line == 2 and "見出し行が見つかりません" in str(error)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    assert str(tmp_path / "none.csv") in str(table_error(tmp_path / "none.csv"))


# --- fuzzing: nothing but TableError escapes ------------------------------------------------------

_TABLE_CHARS = st.sampled_from(list('年度事案の内容類型再発防止策yeardscription,\t\n\r"{}[]:<>/\\u0 R4・。①あ\x00\x1f'))
_CONTENTS = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    st.text(_TABLE_CHARS, max_size=200).map(str.encode),
    st.text(_TABLE_CHARS, max_size=200).map(lambda body: (JA_HEADER + body).encode("utf-8")),
    st.text(_TABLE_CHARS, max_size=200).map(lambda body: ('{"description": "' + body).encode("utf-8")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=_CONTENTS, suffix=st.sampled_from([".csv", ".tsv", ".jsonl", ".txt"]))
def test_random_input_either_reads_or_raises_table_error(tmp_path: Path, contents: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(contents)
    try:
        result = read_table(path)
    except TableError as error:
        assert str(path) in str(error)
        return
    for incident in result.incidents:
        assert incident.description and not TAG_OPENER.search(incident.description)
