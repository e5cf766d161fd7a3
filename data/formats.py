"""The one list of file formats Zenrei reads, by suffix: the readers, the CLI and the data page's
uploader all take their lists from here, so they cannot disagree again.

`kind_of` is the single format decision; data/reader.py (bundled tables) and data/sheets.py
(imports) each map its answer to their parsers.
"""

from __future__ import annotations

from pathlib import Path

DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}  # quotes honoured (spreadsheet exports)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
TEXT_SUFFIXES = (".txt",)  # the seed format: tab-separated text extracted from a PDF
XLSX_SUFFIXES = (".xlsx",)
PDF_SUFFIXES = (".pdf",)
HTML_SUFFIXES = (".html", ".htm")  # press-release pages: one incident each

# What data/tables (and ZENREI_DATA) may hold: the text tables read_table reads.
TABLE_SUFFIXES = (*TEXT_SUFFIXES, *DELIMITERS, *JSONL_SUFFIXES)
# What `assistant import` and the data page accept (".json": JSON lines, as exported elsewhere;
# not in TABLE_SUFFIXES because data/tables/sources.json is a catalog, not a table).
IMPORT_SUFFIXES = (*TABLE_SUFFIXES, ".json", *XLSX_SUFFIXES, *PDF_SUFFIXES, *HTML_SUFFIXES)


def kind_of(path: str | Path, text_start: str = "") -> str:
    """"delimited", "jsonl", "text", "xlsx", "pdf" or "html".

    `text_start` (the decoded start of a text file) decides for suffixes that do not: a ".txt"
    or unknown file starting with "{" is JSON lines; so is ".json".
    """
    suffix = Path(str(path)).suffix.lower()
    if suffix in DELIMITERS:
        return "delimited"
    if suffix in (*JSONL_SUFFIXES, ".json"):
        return "jsonl"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in HTML_SUFFIXES:
        return "html"
    return "jsonl" if text_start.lstrip().startswith("{") else "text"


def accepted(path: str | Path) -> bool:
    return Path(str(path)).suffix.lower() in IMPORT_SUFFIXES


def accepted_list() -> str:
    """For messages: ".csv .tsv … .html"."""
    return " ".join(IMPORT_SUFFIXES)


def uploader_types() -> list[str]:
    """st.file_uploader's `type=`: suffixes without the dot."""
    return [suffix.lstrip(".") for suffix in IMPORT_SUFFIXES]
