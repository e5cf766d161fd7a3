"""read_table / read_tables: the one entry point for incident tables of any supported format.

Formats, chosen by extension and, where that is not enough, by content:
- .csv: comma-separated, quotes honoured;
- .tsv / .tab: tab-separated, quotes honoured (spreadsheet exports);
- .jsonl / .ndjson / .json: one JSON object a line;
- .txt and anything else: JSON lines if the text starts with "{", otherwise the seed format —
  tab-separated (comma if the header line has commas but no tabs), quotes read literally,
  because these are text extracts from PDFs where a leading '"' is part of the text.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path

from .decoding import load_text, split_lines
from .formats import DELIMITERS, kind_of
from .jsonl import parse_jsonl
from .records import Incident, ReadResult
from .rows import RawRow, build_incidents
from .tabular import HEADER_SCAN_ROWS, looks_like_header, parse_delimited


def plain_text_delimiter(text: str) -> str:
    """Tab, unless the header line is comma-separated (a CSV saved as .txt)."""
    for line in split_lines(text[:100_000])[: HEADER_SCAN_ROWS * 5]:  # the header is near the top
        if looks_like_header(line):
            return "," if "," in line and "\t" not in line else "\t"
    return "\t"


def _rows(source: str, text: str) -> tuple[list[RawRow], bool]:
    """The file's raw rows, and whether continuation rows are allowed in this format."""
    kind = kind_of(source, text.lstrip()[:1])
    if kind == "jsonl":
        return parse_jsonl(source, text), False
    if kind == "delimited":
        return parse_delimited(source, text, DELIMITERS[Path(source).suffix.lower()]), True
    delimiter = plain_text_delimiter(text)
    return parse_delimited(source, text, delimiter, quoted=delimiter == ","), True


def read_table(path: str | os.PathLike[str]) -> ReadResult:
    """All incidents of one table, in file order, with non-fatal warnings.

    `source` of each incident is `str(path)`; `line` is where its row starts. Raises TableError
    (and nothing else) naming file and line for a table that cannot be read.
    """
    source = str(path)
    text = load_text(source)
    rows, allow_continuation = _rows(source, text)
    result = build_incidents(source, rows, allow_continuation=allow_continuation)
    if not result.incidents:
        return ReadResult((), (*result.warnings, f"{source}: 事案が 1 件もありません (no incidents in table)"))
    return result


def _qualified(stem: str, ids: list[str], taken: set[str]) -> str:
    """A prefix (the file stem, numbered if needed) that makes every id in the file new."""
    prefix, n = stem, 2
    while any(f"{prefix}:{i}" in taken for i in ids):
        prefix, n = f"{stem}({n})", n + 1
    return prefix


def read_tables(paths: Iterable[str | os.PathLike[str]]) -> ReadResult:
    """Several tables in order. When a file repeats an id already read, every id of that file
    becomes "<file stem>:<id>" (so the first file, e.g. the seed, keeps its plain ids), with a
    warning."""
    incidents: list[Incident] = []
    warnings: list[str] = []
    taken: set[str] = set()
    for path in paths:
        result = read_table(path)
        warnings.extend(result.warnings)
        file_incidents = list(result.incidents)
        ids = [incident.id for incident in file_incidents]
        repeated = [i for i in ids if i in taken]
        if repeated:
            prefix = _qualified(Path(str(path)).stem, ids, taken)
            shown = "、".join(repeated[:5]) + ("…" if len(repeated) > 5 else "")
            warnings.append(
                f"{path}: id ({shown}) が先に読んだ表と重複するため、この表の id を「{prefix}:<id>」とします "
                f"(ids repeat an earlier table; read as {prefix}:<id>)"
            )
            file_incidents = [dataclasses.replace(inc, id=f"{prefix}:{inc.id}") for inc in file_incidents]
        taken.update(incident.id for incident in file_incidents)
        incidents.extend(file_incidents)
    return ReadResult(incidents=tuple(incidents), warnings=tuple(warnings))
