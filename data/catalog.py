"""Human names for the tables incidents come from ("他団体の公表事案", …)."""

from __future__ import annotations

import json
from pathlib import Path

CATALOG_NAME = "sources.json"  # beside the tables: {"file name": "label shown to users"}


def source_label(path: Path) -> str:
    """The label a `sources.json` beside the table gives it; the file name otherwise."""
    path = Path(path)
    catalog = path.parent / CATALOG_NAME
    try:
        labels = json.loads(catalog.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # No catalog, or one that cannot be read: the file name still tells the user where
        # the case comes from, and a label must never stop the search from opening.
        return path.name
    label = labels.get(path.name) if isinstance(labels, dict) else None
    return label if isinstance(label, str) and label.strip() else path.name
