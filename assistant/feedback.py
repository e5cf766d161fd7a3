"""「似ている / 似ていない」 from the cards, kept locally and only when the user clicks.

Each click appends one line in the eval query format, so the file is an evaluation set as it
is: `python -m assistant eval --queries $ZENREI_HOME/feedback.jsonl`. Lines for the same
question are merged when read (assistant.evaluation.load_queries).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from .masking import mask_personal_data

FEEDBACK_FILE = "feedback.jsonl"

SIMILAR = 2  # the grade of a precedent in the dev sets
NOT_SIMILAR = 0


def feedback_path(home: Path) -> Path:
    return Path(home) / FEEDBACK_FILE


def record_feedback(
    home: Path, question: str, incident_id: str, similar: bool, *, now: dt.datetime | None = None
) -> Path:
    """Append one judgement; returns the file written."""
    path = feedback_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    qid = "fb-" + hashlib.sha256(question.encode("utf-8")).hexdigest()[:12]  # same question, same id
    line = {
        "qid": qid,
        "query": mask_personal_data(question),  # names, phone numbers … never kept
        "relevant": {incident_id: SIMILAR if similar else NOT_SIMILAR},
        "at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
    }
    # One short append per click; O_APPEND keeps concurrent sessions' lines whole. 0o600 as the
    # audit log: even masked, the questions say what the office was worried about. A file made
    # by an older version (0o644) is tightened too: Zenrei owns it.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path
