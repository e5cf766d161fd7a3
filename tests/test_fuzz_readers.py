"""Bad tables never crash the reader: every failure is a TableError naming file and line.

Hypothesis writes random and malformed tables to disk (CSV, TSV, seed-style text, JSONL; wrong
encodings, NUL bytes, cells around the 1 MB limit, missing or repeated columns, random bytes)
and reads them with `data.read_table`. The properties:

- `read_table` returns a ReadResult or raises TableError; nothing else escapes;
- a TableError names the file it was given and a line inside the file ("path:line: message");
- what is returned is sane: every incident has a description and a line inside the file.

CI runs ZENREI_FUZZ_EXAMPLES examples per property (default 100); `python bench/fuzz.py`
runs the same properties with 10,000 or more each.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from data import read_table
from data.decoding import MAX_CELL_BYTES
from data.records import TableError

EXAMPLES = int(os.environ.get("ZENREI_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the machine is shared; speed is measured in bench/, not asserted here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    database=None if os.environ.get("ZENREI_FUZZ_NO_DB") else settings.default.database,
)
# How many tables each property has read, for bench/fuzz.py's report.
READS: Counter[str] = Counter()

SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".jsonl", ".ndjson", ".json", ".dat", "")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp932", "euc-jp", "latin-1")
COLUMN_NAMES = (
    "年度",
    "事案の内容",
    "事案の概要",
    "類型",
    "再発防止策",
    "id",
    "番号",
    "year",
    "description",
    "categories",
    "measures",
    "No.",
    "ＩＤ",
    "備考",
    "body",
    "source_url",
    "",
)
# Pieces that exercise the format, markup, year and measure rules, mixed into random text.
TRICKY = (
    '"',
    "'",
    ",",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\x01",
    "\x1a",
    "\x0b",
    "\x0c",
    "\x1f",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\u200b",
    "\u202e",
    "\ud800",
    "<p>",
    "</li>",
    "<ul><li>",
    "<script>",
    "</script>",
    "<![",
    "<![CDATA[x]]>",
    "<!--",
    "-->",
    "<!DOCTYPE",
    "<?xml",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "&lt;b&gt;",
    "&#99999999;",
    "R5",
    "Ｒ５",
    "令和元年",
    "平成31年度",
    "2022年度",
    "FY2023",
    "年度",
    "事案の内容",
    "類型",
    "再発防止策",
    "id",
    "①",
    "⑳",
    "・",
    "　",
    "。",
    "（1）",
    "{",
    "}",
    "[",
    "]",
    ":",
    '"description"',
    "null",
    "true",
    "1e999",
    "-0",
    "\\u0000",
    "\\ud800",
    "\\",
    "誤送付",
    "漢",
    "ｱ",
    "🙂",
    "\U0010ffff",
)

text_piece = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
cell = st.lists(text_piece, max_size=4).map("".join)


def physical_lines(data: bytes) -> int:
    # An upper bound whatever the encoding: every line break holds a \n or \r byte.
    return data.count(b"\n") + data.count(b"\r") + 1


def check_read(path: Path, kind: str) -> None:
    """The property every table must satisfy, whatever its bytes."""
    READS[kind] += 1
    data = path.read_bytes()
    try:
        result = read_table(path)
    except TableError as exc:
        assert exc.path == str(path)
        assert isinstance(exc.line, int), f"no line in: {exc}"
        assert 1 <= exc.line <= physical_lines(data), f"line {exc.line} outside the file: {exc}"
        assert str(exc).startswith(f"{path}:{exc.line}: ")
        assert exc.message.strip()
        return
    for incident in result.incidents:
        assert incident.source == str(path)
        assert 1 <= incident.line <= physical_lines(data)
        assert incident.description.strip()
    assert all(isinstance(w, str) and str(path) in w for w in result.warnings)


def write(data: bytes, suffix: str) -> Path:
    # Hypothesis runs many examples per test, so no function-scoped tmp_path: a fresh temp dir.
    folder = Path(tempfile.mkdtemp(prefix="zenrei-fuzz-"))
    path = folder / f"table{suffix}"
    path.write_bytes(data)
    return path


def read_and_check(data: bytes, suffix: str, kind: str) -> None:
    path = write(data, suffix)
    try:
        check_read(path, kind)
    finally:
        path.unlink()
        path.parent.rmdir()


def encode(text: str, encoding: str) -> bytes:
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    return text.encode(encoding, errors)


@st.composite
def delimited_tables(draw) -> str:
    """A header (maybe missing or repeating columns) and rows, maybe under a title line."""
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    header = draw(st.lists(st.sampled_from(COLUMN_NAMES), max_size=7))
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), max_size=8))
    out = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]))
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, escapechar="\\", lineterminator="\n")
    if draw(st.booleans()):
        out.write("別紙1 個人情報に関する重大事故の内容等\n")
    for number, row in enumerate([header, *rows]):
        if number and draw(st.booleans()):
            out.write("\n")  # the seed's blank lines between rows
        try:
            writer.writerow(row)
        except csv.Error:  # QUOTE_NONE cannot write some rows: write them as a careless export would
            out.write(delimiter.join(row) + "\n")
    return out.getvalue()


@st.composite
def mutated(draw, text: str) -> str:
    """The text with a few pieces inserted, deleted or truncated, as broken exports do."""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "truncate"]))
        if action == "insert":
            text = text[:at] + draw(text_piece) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5)) :]
        else:
            text = text[:at]
    return text


json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), cell, st.sampled_from(["R5", "令和4年度", "2023", ""])
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(cell, inner, max_size=3),
    max_leaves=4,
)
json_record = st.dictionaries(
    st.sampled_from(["id", "year", "description", "categories", "measures", "body", "source_url"]) | cell,
    json_value,
    max_size=5,
)


@st.composite
def jsonl_tables(draw) -> str:
    lines = []
    for record in draw(st.lists(json_record, max_size=4)):
        lines.append(json.dumps(record, ensure_ascii=draw(st.booleans())))
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "   ", "[1, 2]", '"text"', "{", "{}", "null"])))
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
@example(data=b"\xff\xfe\x00", suffix=".csv")  # UTF-16 BOM, then half a code unit
@example(data=b"\x00" * 8, suffix=".txt")
@example(data=b"", suffix=".jsonl")
@example(data="事案の内容\n誤送付\n".encode()[:-3] + b"\xe3\x81", suffix=".csv")  # cut mid-character
def test_random_bytes_are_read_or_refused_with_file_and_line(data, suffix):
    read_and_check(data, suffix, "random bytes")


@FUZZ
@given(table=delimited_tables(), suffix=st.sampled_from(SUFFIXES), encoding=st.sampled_from(ENCODINGS), d=st.data())
def test_malformed_delimited_tables_in_any_encoding_are_read_or_refused(table, suffix, encoding, d):
    read_and_check(encode(d.draw(mutated(table)), encoding), suffix, "delimited tables")


@FUZZ
@given(table=jsonl_tables(), suffix=st.sampled_from(SUFFIXES), encoding=st.sampled_from(ENCODINGS), d=st.data())
@example(table='{"description": "x", "m": ' + "[" * 5000 + "]" * 5000 + "}", suffix=".jsonl", encoding="utf-8", d=None)
def test_malformed_jsonl_tables_in_any_encoding_are_read_or_refused(table, suffix, encoding, d):
    text = d.draw(mutated(table)) if d is not None else table
    read_and_check(encode(text, encoding), suffix, "jsonl tables")


@FUZZ
@given(table=delimited_tables() | jsonl_tables(), suffix=st.sampled_from(SUFFIXES), d=st.data())
def test_a_nul_byte_anywhere_is_refused_on_its_line(table, suffix, d):
    # Other control characters would be reported first; take them out to know the expected line.
    table = re.sub(r"[\x00-\x08\x0e-\x1f]", "", table)
    at = d.draw(st.integers(0, len(table)))
    text = table[:at] + "\x00" + table[at:]
    path = write(text.encode("utf-8", "replace"), suffix)
    try:
        check_read(path, "nul bytes")
        with pytest.raises(TableError, match="NUL") as caught:
            read_table(path)
        assert caught.value.line == len(re.findall(r"\r\n|\r|\n", text[:at])) + 1
    finally:
        path.unlink()
        path.parent.rmdir()


# A few examples only: each writes a megabyte.
@settings(FUZZ, max_examples=max(5, EXAMPLES // 15))
@given(
    fmt=st.sampled_from([".csv", ".tsv", ".txt", ".jsonl"]),
    char=st.sampled_from(["a", "漢", "🙂"]),
    slack=st.integers(-4, 4),
    row=st.integers(0, 3),
    column=st.sampled_from(["description", "measures", "memo"]),
)
def test_a_cell_over_one_megabyte_is_refused_on_its_line_and_one_just_under_is_read(fmt, char, slack, row, column):
    width = len(char.encode("utf-8"))
    big = char * (MAX_CELL_BYTES // width + slack)
    cells = [{"description": f"事案{i}", "measures": "封筒を確認する", "memo": ""} for i in range(4)]
    cells[row][column] = big + ("。" if column == "description" else "")
    too_big = len(cells[row][column].encode("utf-8")) > MAX_CELL_BYTES
    if fmt == ".jsonl":
        text = "\n".join(json.dumps(c, ensure_ascii=False) for c in cells)
        line = row + 1
    else:
        sep = "," if fmt == ".csv" else "\t"
        lines = [sep.join(["事案の内容", "再発防止策", "備考"])]
        lines += [sep.join([c["description"], c["measures"], c["memo"]]) for c in cells]
        text, line = "\n".join(lines), row + 2
    path = write(text.encode("utf-8"), fmt)
    try:
        check_read(path, "1 MB cells")
        if too_big:
            with pytest.raises(TableError, match="セルが大きすぎます") as caught:
                read_table(path)
            assert caught.value.line == line
        else:
            assert len(read_table(path).incidents) == 4
    finally:
        path.unlink()
        path.parent.rmdir()


@FUZZ
@given(
    columns=st.lists(
        st.sampled_from(["年度", "類型", "再発防止策", "備考", "番号"]), unique=True, min_size=1, max_size=4
    ),
    suffix=st.sampled_from([".csv", ".tsv", ".txt"]),
)
def test_a_table_without_the_description_column_names_the_missing_column(columns, suffix):
    sep = "," if suffix == ".csv" else "\t"
    text = "\n".join([sep.join(columns), sep.join("R5" for _ in columns)]) + "\n"
    path = write(text.encode("utf-8"), suffix)
    try:
        check_read(path, "missing columns")
        with pytest.raises(TableError) as caught:
            read_table(path)
        assert caught.value.line == 1
        assert "事案の内容" in caught.value.message or "見出し行" in caught.value.message
    finally:
        path.unlink()
        path.parent.rmdir()


@FUZZ
@given(
    descriptions=st.lists(
        st.text(alphabet="誤送付紛失封筒委託先メール宛先受給者証をにがしたアイウ", min_size=1, max_size=30),
        min_size=1,
        max_size=5,
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp932"]),
    suffix=st.sampled_from([".csv", ".tsv", ".txt"]),
)
def test_a_japanese_table_reads_the_same_in_utf8_utf16_and_shift_jis(descriptions, encoding, suffix):
    sep = "," if suffix == ".csv" else "\t"
    text = "\n".join(["年度" + sep + "事案の内容", *(f"R5{sep}{d}" for d in descriptions)]) + "\n"
    path = write(text.encode(encoding), suffix)
    try:
        check_read(path, "encodings")
        assert [i.description for i in read_table(path).incidents] == descriptions
    finally:
        path.unlink()
        path.parent.rmdir()


def test_a_jsonl_number_with_more_than_4300_digits_is_a_table_error(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text('{"description": "誤送付", "id": ' + "1" * 5000 + "}\n", encoding="utf-8")
    with pytest.raises(TableError) as caught:
        read_table(path)
    assert caught.value.line == 1


def test_a_missing_file_and_a_folder_are_table_errors_naming_the_path(tmp_path):
    for path in (tmp_path / "nothing.csv", tmp_path):
        with pytest.raises(TableError) as caught:
            read_table(path)
        assert caught.value.path == str(path) and str(path) in str(caught.value)
