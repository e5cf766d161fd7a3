"""The incidents Zenrei searches: read from the configured tables, with a citable source."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from data import read_tables
from data.catalog import source_label
from data.records import Incident
from index.manifest import data_checksum

from .kinds import classify
from .settings import REPO_ROOT


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


def _annotate(incident: Incident, source: str) -> Incident:
    """The incident with a citable source and its kinds, medium and contractor involvement."""
    found = classify(incident)
    return dataclasses.replace(
        incident, source=source, kinds=found.kinds, medium=found.medium, contractor=found.contractor
    )


def load_corpus(paths: Sequence[Path]) -> Corpus:
    """Read the tables; TableError (file:line) when one cannot be read."""
    paths = [Path(p) for p in paths]
    result = read_tables(paths)
    shown = {str(p): citable_path(p) for p in paths}
    incidents = tuple(_annotate(inc, shown.get(inc.source, inc.source)) for inc in result.incidents)
    labels = {shown[str(p)]: source_label(p) for p in paths}
    return Corpus(incidents=incidents, warnings=tuple(result.warnings), checksum=data_checksum(paths), labels=labels)
