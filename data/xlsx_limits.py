"""What an .xlsx may unpack to, checked from its zip directory before anything is parsed.

An .xlsx is a zip of XML parts. A few megabytes on disk can unpack to gigabytes (one 1.5 GB
shared string, a sheet padded with whitespace), and the XML parser would hold them in memory
before any cell limit could speak. The zip's central directory states every part's packed and
unpacked size up front, and Python's zipfile never yields more than the stated size (it stops
there and fails the CRC check), so checking the directory bounds what parsing can cost.
"""

from __future__ import annotations

import struct
import zipfile

from .records import TableError

# An incident table of ten thousand rows is a few MB of XML; these leave ample room, and keep
# what the parser may hold (a part read whole, such as the shared strings) well under 300 MB.
MAX_PART_BYTES = 50 * 1024 * 1024  # one part (a sheet, the shared strings) unpacked
MAX_TOTAL_BYTES = 100 * 1024 * 1024  # every part together, unpacked
MAX_RATIO = 100  # unpacked / packed; real sheets stay far below (Apache POI's default is the same)
RATIO_FREE_BYTES = 1024 * 1024  # small parts may compress as well as they like
MAX_PARTS = 1000  # a workbook has tens; a directory of millions would itself fill memory

_END_OF_DIRECTORY = b"PK\x05\x06"
_END_RECORD = struct.Struct("<4s4H2LH")  # signature, disks, entries here, entries, size, offset, comment


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def _entry_count(path: str) -> int | None:
    """How many parts the end-of-directory record announces (read before zipfile loads the
    directory), or None when there is no such record (then zipfile reports a broken file)."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - _END_RECORD.size - 0xFFFF))
        tail = handle.read()
    at = tail.rfind(_END_OF_DIRECTORY)
    if at == -1 or len(tail) - at < _END_RECORD.size:
        return None
    return _END_RECORD.unpack_from(tail, at)[4]  # 0xFFFF when a zip64 record holds the real count


def unreadable_workbook(exc: BaseException) -> str:
    """Why openpyxl could not read a workbook, in one line (its messages may run to several)."""
    detail = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    return f"Excel ファイルとして読めません (not a readable .xlsx: {detail[:200]})"


def check_workbook(path: str) -> None:
    """TableError naming the file (and the part) when the workbook would unpack to too much."""
    count = _entry_count(path)
    if count is not None and count > MAX_PARTS:
        raise TableError(
            path,
            None,
            f"Excel ファイルの部品が多すぎます ({count:,} 個、上限 {MAX_PARTS:,}) (too many parts in the .xlsx)",
        )
    try:
        with zipfile.ZipFile(path) as book:
            parts = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TableError(path, None, unreadable_workbook(exc)) from None
    if len(parts) > MAX_PARTS:
        raise TableError(
            path, None, f"Excel ファイルの部品が多すぎます (上限 {MAX_PARTS:,}) (too many parts in the .xlsx)"
        )
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > MAX_PART_BYTES:
            raise TableError(
                path,
                None,
                f"Excel ファイルの中身が大きすぎます: {part.filename} は展開すると {_megabytes(part.file_size)} "
                f"(上限 {_megabytes(MAX_PART_BYTES)}) (.xlsx part too large when unpacked)",
            )
        if part.file_size > RATIO_FREE_BYTES and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            ratio = part.file_size / max(part.compress_size, 1)
            raise TableError(
                path,
                None,
                f"Excel ファイルの圧縮率が異常です: {part.filename} は {_megabytes(part.file_size)} が "
                f"{part.compress_size:,} バイトに圧縮されています ({ratio:,.0f} 倍、上限 {MAX_RATIO} 倍) "
                "(.xlsx part compressed suspiciously well: a zip bomb?)",
            )
    if total > MAX_TOTAL_BYTES:
        raise TableError(
            path,
            None,
            f"Excel ファイルの中身が大きすぎます: 展開すると合計 {_megabytes(total)} "
            f"(上限 {_megabytes(MAX_TOTAL_BYTES)}) (.xlsx too large when unpacked)",
        )
