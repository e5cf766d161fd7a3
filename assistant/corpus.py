"""The incidents Zenrei searches: read from the configured tables, with a citable source."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from data import read_tables
from data.catalog import source_label
from data.records import Incident
from domain.annotate import annotate
from index.manifest import corpus_checksum, data_checksum

from .settings import REPO_ROOT
from .store import read_store

# What users call the cases they imported into the store (assistant/store.py).
IMPORTED_LABEL = "取り込んだ事案"
# A stored id that a shipped table already uses is shown as "取込:<id>" (the store keeps it plain).
IMPORTED_PREFIX = "取込:"


@dataclass(frozen=True)
class Corpus:
    incidents: tuple[Incident, ...]
    warnings: tuple[str, ...]
    checksum: str  # of the files' names and bytes; goes into the index manifest
    labels: dict[str, str]  # Incident.source -> what users call that table

    def label(self, incident: Incident) -> str:
        return self.labels.get(incident.source, incident.source)

    def by_id(self, incident_id: str) -> Incident | None:
        return next((inc for inc in self.incidents if inc.id == incident_id), None)


def citable_path(path: Path) -> str:
    """Repo-relative for shipped tables (same on every machine), absolute otherwise."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def imported_label(source: str) -> str:
    return f"{IMPORTED_LABEL}（{Path(source).name}）"


def _stored(incidents: Sequence[Incident], taken: set[str]) -> tuple[list[Incident], list[str]]:
    """Store incidents for the corpus: cited by their original file:line, ids kept unique."""
    out, warnings = [], []
    for inc in incidents:
        if inc.id in taken:
            warnings.append(
                f"{inc.source}:{inc.line}: 取り込んだ事案の id「{inc.id}」が表と重複するため"
                f"「{IMPORTED_PREFIX}{inc.id}」と表示します (id repeats a table's id)"
            )
            inc = dataclasses.replace(inc, id=f"{IMPORTED_PREFIX}{inc.id}")
        taken.add(inc.id)
        out.append(annotate(inc))
    return out, warnings


def load_corpus(paths: Sequence[Path], *, store_file: Path | None = None) -> Corpus:
    """Read the tables, then the live incidents of the store (when `store_file` exists);
    TableError (file:line) when a table cannot be read."""
    paths = [Path(p) for p in paths]
    result = read_tables(paths)
    shown = {str(p): citable_path(p) for p in paths}
    incidents = tuple(annotate(inc, source=shown.get(inc.source, inc.source)) for inc in result.incidents)
    labels = {shown[str(p)]: source_label(p) for p in paths}
    checksum = data_checksum(paths)
    stored = read_store(store_file) if store_file is not None else ()
    if not stored:
        # No store, or an empty one: the corpus (and so the saved index) is the tables' alone.
        return Corpus(incidents=incidents, warnings=tuple(result.warnings), checksum=checksum, labels=labels)
    imported, warnings = _stored(stored, {inc.id for inc in incidents})
    for inc in imported:
        labels.setdefault(inc.source, imported_label(inc.source))
    return Corpus(
        incidents=(*incidents, *imported),
        warnings=(*result.warnings, *warnings),
        checksum=f"{checksum}+store:{corpus_checksum(stored)}",
        labels=labels,
    )
