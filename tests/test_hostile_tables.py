"""Tables that would lose or damage text without a word: each is refused on its file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.importer import validate
from data import TableError, read_table

HEADER = "年度,事案の内容,類型,再発防止策\n"


def _error(path: Path) -> TableError:
    with pytest.raises(TableError) as caught:
        read_table(path)
    return caught.value


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- an unterminated quote -----------------------------------------------------------------

FIVE_ROWS = [f"R5,事案{n}を誤送付した,,確認する\n" for n in range(1, 6)]


@pytest.mark.parametrize("suffix", [".csv", ".txt"])
def test_an_unterminated_quote_is_refused_on_its_row_and_nothing_is_imported(tmp_path, suffix):
    rows = list(FIVE_ROWS)
    rows[3] = 'R5,"事案4を誤送付した,,確認する\n'  # the quote of row 4 (line 5) is never closed
    path = _write(tmp_path, f"cases{suffix}", (HEADER + "".join(rows)).encode("utf-8"))
    error = _error(path)
    assert (error.line, error.message) == (5, "引用符が閉じていません (unterminated quote)")
    report = validate(path)
    assert report.incidents == () and report.problems == (f"{path}:5: 引用符が閉じていません (unterminated quote)",)


def test_text_after_a_closing_quote_is_refused_instead_of_joining_rows(tmp_path):
    rows = list(FIVE_ROWS)
    rows[3] = 'R5,"事案4を誤送付した,,確認する\n'
    rows[4] = 'R5,"事案5"を誤送付した,,確認する\n'  # closes row 4's quote, then more text
    path = _write(tmp_path, "cases.csv", (HEADER + "".join(rows)).encode("utf-8"))
    error = _error(path)
    assert error.line == 6 and "引用符" in error.message
    assert validate(path).incidents == ()


def test_quoted_cells_that_close_still_span_lines(tmp_path):
    path = _write(tmp_path, "cases.csv", (HEADER + 'R5,"一行目\n二行目",,"・確認する\n・記録する"\nR6,次,,\n').encode())
    first, second = read_table(path).incidents
    assert first.description == "一行目 二行目" and second.line == 5


# --- CP932 bytes that are no character --------------------------------------------------------


@pytest.mark.parametrize("byte", [0x80, 0xA0, 0xFD, 0xFE, 0xFF])
def test_a_byte_that_is_no_shift_jis_character_is_refused_on_its_line(tmp_path, byte):
    body = "R5,住民票を誤交付した,,確認する\n".encode("cp932")
    data = HEADER.encode("cp932") + body + b"R6,\x83e\x83X\x83g" + bytes([byte]) + b",,\n"
    path = _write(tmp_path, "sjis.csv", data)
    assert data.decode("cp932")  # Python's cp932 "reads" it, as private-use characters
    error = _error(path)
    assert error.line == 3 and f"0x{byte:02X}" in error.message and "Shift_JIS" in error.message
    (problem,) = validate(path).problems
    assert problem.startswith(f"{path}:3: ")


def test_a_shift_jis_table_without_such_bytes_still_reads(tmp_path):
    path = _write(tmp_path, "sjis.csv", (HEADER + "R5,①住民票を誤交付した,,確認する\n").encode("cp932"))
    assert read_table(path).incidents[0].description == "1住民票を誤交付した"


# --- control characters, however they arrive --------------------------------------------------

CONTROLS = ["\x00", "\x1b", "\x07", "\x1f"]


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("where", ["description", "measures", "metadata", "key", "list"])
def test_a_jsonl_escape_of_a_control_character_is_refused_on_its_line(tmp_path, char, where):
    good = {"year": "R5", "description": "住民票を誤交付した"}
    bad = dict(good)
    if where == "key":
        bad[f"note{char}"] = "x"
    elif where == "list":
        bad["categories"] = ["要配慮", f"a{char}"]
    else:
        bad[where] = f"前{char}後"
    text = json.dumps(good, ensure_ascii=False) + "\n" + json.dumps(bad, ensure_ascii=True) + "\n"
    assert char not in text  # escaped as \\u00XX: the file itself is clean text
    path = _write(tmp_path, "cases.jsonl", text.encode())
    error = _error(path)
    assert error.line == 2 and f"U+{ord(char):04X}" in error.message
    report = validate(path)
    assert report.incidents == () and report.problems[0].startswith(f"{path}:2: 制御文字 U+{ord(char):04X}")


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_the_csv_reader_refuses_the_same_characters(tmp_path, char):
    path = _write(tmp_path, "cases.csv", (HEADER + "R5,ok,,\n" + f"R5,前{char}後,,\n").encode())
    error = _error(path)
    assert error.line == 3 and f"U+{ord(char):04X}" in error.message or "NUL" in error.message


def test_tabs_and_line_breaks_in_jsonl_are_text_not_controls(tmp_path):
    record = {"description": "一行目\n二行目\tタブ", "measures": ["・確認\r\n・記録"]}
    path = _write(tmp_path, "cases.jsonl", (json.dumps(record) + "\n").encode())
    assert read_table(path).incidents[0].description == "一行目 二行目 タブ"
