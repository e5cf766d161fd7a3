"""The incidents an index was built from, saved beside it: the last good index can then answer
on its own while a new one is built for changed data (rows of an index mean nothing without
the incidents they stand for)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

from data.records import Incident

_TUPLES = ("categories", "measures", "kinds")


def write_incidents(path: Path, incidents: Sequence[Incident]) -> None:
    with Path(path).open("w", encoding="utf-8") as handle:
        for incident in incidents:
            handle.write(json.dumps(dataclasses.asdict(incident), ensure_ascii=False) + "\n")


def read_incidents(path: Path) -> tuple[Incident, ...]:
    """ValueError naming the file and line when a line is not a saved incident."""
    out = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                raw = json.loads(line)
                for name in _TUPLES:
                    raw[name] = tuple(raw[name])
                out.append(Incident(**raw))
            except (ValueError, TypeError, KeyError) as exc:
                raise ValueError(f"{path}:{number}: not a saved incident: {exc}") from exc
    return tuple(out)
