"""Writing incidents out as CSV (UTF-8 with BOM: Excel in Japan opens it correctly) and JSONL.

The columns are the readers' own (id, 年度, 事案の内容, 類型, 再発防止策), so an exported file
imports again as it is; metadata and provenance follow as extra columns (kept as metadata on
re-import).

The CSV is made for Excel, so no cell may be read as a formula there (CSV injection): a cell
starting with =, +, -, @, a tab or a carriage return — also after leading spaces, which Excel
skips — gets a leading apostrophe (OWASP's advice), which Excel shows as text and hides. The
JSONL keeps every value byte for byte: it is the export to re-import or process.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from data.records import Incident

from .store import Change, Store, StoredIncident

BASE_COLUMNS = ("id", "年度", "事案の内容", "類型", "再発防止策")
PROVENANCE_COLUMNS = ("取込元ファイル", "取込元の行", "登録日時", "更新日時")
STORE_CSV, STORE_JSONL, CHANGES_CSV = "store.csv", "store.jsonl", "changes.csv"
ALL_CSV, ALL_JSONL = "all_incidents.csv", "all_incidents.jsonl"


def _measures_cell(incident: Incident) -> str:
    # The raw cell splits back into the same measures; an edited case has its measures joined.
    return incident.measures_raw or "\n".join(incident.measures)


def _base(incident: Incident) -> dict[str, str]:
    return {
        "id": incident.id,
        "年度": incident.year_raw or (str(incident.fiscal_year) if incident.fiscal_year else ""),
        "事案の内容": incident.description,
        "類型": "、".join(incident.categories),
        "再発防止策": _measures_cell(incident),
    }


def _provenance(incident: Incident, created: str = "", updated: str = "") -> dict[str, str]:
    return {
        "取込元ファイル": incident.source,
        "取込元の行": str(incident.line),
        "登録日時": created,
        "更新日時": updated,
    }


# What makes a spreadsheet read a cell as a formula (OWASP "CSV Injection").
_FORMULA_START = frozenset("=+-@\t\r")


def csv_safe(value: str) -> str:
    """The cell as Excel must show it: text, never a formula (see the module docstring)."""
    if value[:1] in _FORMULA_START or value.lstrip()[:1] in _FORMULA_START:
        return "'" + value
    return value


def _write_csv(path: Path, rows: Sequence[dict[str, str]], first: Sequence[str]) -> None:
    # Column names come from the data too (metadata keys): they are neutralised like cells.
    columns = list(dict.fromkeys([*first, *(key for row in rows for key in row)]))
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_safe(column) for column in columns])
        writer.writerows([csv_safe(row.get(column, "")) for column in columns] for row in rows)


def _write_jsonl(path: Path, records: Sequence[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _record(incident: Incident, extra: dict[str, str]) -> dict[str, object]:
    return {
        "id": incident.id,
        "year": incident.year_raw,
        "description": incident.description,
        "categories": list(incident.categories),
        "measures": list(incident.measures),
        **incident.metadata,
        **extra,
    }


def _change_row(change: Change) -> dict[str, str]:
    return {
        "日時": change.at,
        "操作": change.action,
        "id": change.incident_id,
        "ファイル": change.source_file,
        "詳細": json.dumps(change.detail, ensure_ascii=False),
    }


def export_store(store: Store, out_dir: Path) -> list[Path]:
    """store.csv, store.jsonl (live incidents) and changes.csv (the whole history) in `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stored: list[StoredIncident] = store.live()
    rows, records = [], []
    for item in stored:
        inc = item.incident
        provenance = _provenance(inc, item.created_at, item.updated_at)
        rows.append({**_base(inc), **inc.metadata, **provenance})
        records.append(_record(inc, provenance))
    _write_csv(out_dir / STORE_CSV, rows, [*BASE_COLUMNS, *PROVENANCE_COLUMNS])
    _write_jsonl(out_dir / STORE_JSONL, records)
    _write_csv(
        out_dir / CHANGES_CSV, [_change_row(c) for c in store.history()], ("日時", "操作", "id", "ファイル", "詳細")
    )
    return [out_dir / STORE_CSV, out_dir / STORE_JSONL, out_dir / CHANGES_CSV]


def export_incidents(incidents: Sequence[Incident], labels: dict[str, str], out_dir: Path) -> list[Path]:
    """Every incident Zenrei searches (tables and store), with the name of its source."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, records = [], []
    for inc in incidents:
        extra = {**_provenance(inc), "出典": labels.get(inc.source, inc.source)}
        del extra["登録日時"], extra["更新日時"]
        rows.append({**_base(inc), **inc.metadata, **extra})
        records.append(_record(inc, extra))
    _write_csv(out_dir / ALL_CSV, rows, BASE_COLUMNS)
    _write_jsonl(out_dir / ALL_JSONL, records)
    return [out_dir / ALL_CSV, out_dir / ALL_JSONL]
