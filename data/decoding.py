"""From a path to checked text: size limits, encoding detection, binary-file refusal.

Tables come from many offices: UTF-8 (with or without BOM), Shift_JIS/CP932 from older Excel,
sometimes UTF-16 ("Unicode text" export). Anything we cannot read is a TableError naming the
file and, when there is one, the line, so the user knows what to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

from .records import TableError

MAX_FILE_BYTES = 50 * 1024 * 1024  # far above any real incident table; protects memory
MAX_CELL_BYTES = 1024 * 1024  # a cell this large is a broken export, not an incident

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what csv and our JSONL reader count as a line
# C0 controls other than tab, line feed, vertical tab, form feed and carriage return: their
# presence means a binary file (or UTF-16 without BOM), not a table.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


# Single bytes that are no character in Shift_JIS: Python's cp932 maps them to U+0080 and to
# private-use code points (Microsoft's table), which show as nothing or as a box and would be
# stored and exported as if they were text. We decode strictly: such a byte is an error.
_CP932_NON_CHARACTERS = {"\x80": 0x80, "\uf8f0": 0xA0, "\uf8f1": 0xFD, "\uf8f2": 0xFE, "\uf8f3": 0xFF}
_CP932_NON_CHARACTER = re.compile("[" + "".join(_CP932_NON_CHARACTERS) + "]")


def line_of(text: str, index: int) -> int:
    """1-based line of `text[index]`, counting \\r\\n, \\r and \\n as line ends."""
    return len(_LINE_BREAK.findall(text, 0, index)) + 1


def split_lines(text: str) -> list[str]:
    """Physical lines, split the way `line_of` counts them."""
    return _LINE_BREAK.split(text)


def control_error(path: str, line: int, char: str) -> TableError:
    return TableError(path, line, f"制御文字 U+{ord(char):04X} が含まれています。削除してください (control character)")


def check_text(path: str, line: int, value: str) -> None:
    """TableError for a control character in text that arrived escaped (JSON "\\u001b",
    Excel "_x001B_"): the same characters load_text refuses in a CSV."""
    if match := _CONTROL.search(value):
        raise control_error(path, line, match.group())


def check_cell(path: str, line: int, value: str) -> None:
    """TableError when one cell is larger than MAX_CELL_BYTES (in UTF-8) or holds a control character."""
    check_text(path, line, value)
    # Four bytes per character at most: only long cells need the exact (encoding) check.
    if len(value) * 4 > MAX_CELL_BYTES and len(value.encode("utf-8", "surrogatepass")) > MAX_CELL_BYTES:
        raise TableError(path, line, f"セルが大きすぎます (cell larger than {MAX_CELL_BYTES // 1024 // 1024} MB)")


def _read_bytes(path: str) -> bytes:
    file = Path(path)
    try:
        if file.is_dir():
            raise TableError(path, None, "ファイルではなくフォルダです (is a directory, not a table)")
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise TableError(path, None, "ファイルが見つかりません (file not found)") from None
    except OSError as exc:
        raise TableError(path, None, f"ファイルを読めません (cannot read file: {exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 1024 // 1024
        raise TableError(path, None, f"ファイルが大きすぎます ({limit} MB まで) (file larger than {limit} MB)")
    return data


def _undecodable(path: str, data: bytes, error: UnicodeDecodeError, encoding: str, message: str) -> TableError:
    before = data[: error.start].decode(encoding, "replace")
    line = line_of(before, len(before))
    byte = data[error.start : error.start + 1].hex().upper()
    return TableError(path, line, f"{message}: 0x{byte} (byte {error.start})")


def decode(path: str, data: bytes) -> str:
    """The text of a table: UTF-8 (BOM optional), UTF-16 with BOM, or Shift_JIS/CP932."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _undecodable(
                path, data, exc, "utf-16", "UTF-16 として読めないバイトがあります (invalid UTF-16)"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        if not data[: utf8_error.start].isascii():
            # Japanese text already decoded as UTF-8 before the bad byte: the file is UTF-8 and
            # damaged. Falling back to CP932 would "succeed" and turn it all into mojibake.
            raise _undecodable(
                path,
                data,
                utf8_error,
                "utf-8",
                "UTF-8 として読めないバイトがあります。ファイルが壊れているか文字コードが混在しています "
                "(invalid UTF-8 byte)",
            ) from None
        try:
            return _strict_cp932(path, data.decode("cp932"))
        except UnicodeDecodeError as sjis_error:
            # Report where the encoding that read further broke: that is the likelier intent.
            error, encoding = max((utf8_error, "utf-8"), (sjis_error, "cp932"), key=lambda pair: pair[0].start)
            raise _undecodable(
                path,
                data,
                error,
                encoding,
                "文字コードを判別できません。UTF-8 でも Shift_JIS (CP932) でも読めないバイトがあります。"
                "UTF-8 で保存し直してください (not UTF-8 or Shift_JIS)",
            ) from None


def _strict_cp932(path: str, text: str) -> str:
    if match := _CP932_NON_CHARACTER.search(text):
        byte = _CP932_NON_CHARACTERS[match.group()]
        offset = len(text[: match.start()].encode("cp932"))
        raise TableError(
            path,
            line_of(text, match.start()),
            f"Shift_JIS (CP932) の文字ではないバイトがあります。ファイルが壊れていないか確認し、UTF-8 で保存し直して"
            f"ください (byte that is no Shift_JIS character): 0x{byte:02X} (byte {offset})",
        )
    return text


def load_text(path: str) -> str:
    """The checked text of the file at `path`; TableError for anything that is not a table."""
    text = decode(path, _read_bytes(path))
    text = text.rstrip("\x1a")  # DOS end-of-file marker some old exports still append
    if match := _CONTROL.search(text):
        char = match.group()
        line = line_of(text, match.start())
        if char == "\x00":
            raise TableError(
                path, line, "NUL 文字が含まれています。バイナリファイルではありませんか (file contains NUL bytes)"
            )
        raise TableError(
            path,
            line,
            f"制御文字 U+{ord(char):04X} が含まれています。バイナリファイルではありませんか (control character)",
        )
    if not text.strip():
        raise TableError(path, 1, "ファイルが空です (file is empty)")
    return text
