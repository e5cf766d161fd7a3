"""An optional audit log of searches, with personal data masked.

Offices that must account for who looked up what can set ZENREI_AUDIT_LOG to a file path:
each search then appends one JSON line (time, masked question, filters, ids of the cases
shown). Unset, nothing is recorded anywhere: questions describe real incidents and often name
the people involved, so Zenrei keeps no trace of them by default.

Masking (assistant/masking.py) is best effort and errs on the side of masking too much; the
README lists what it finds and what it cannot.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from index.filters import Filters
from index.searcher import Hit, Searcher

from .masking import (  # noqa: F401  (the markers are part of what this module says it writes)
    ADDRESS,
    BIRTH_DATE,
    EMAIL,
    MY_NUMBER,
    NAME,
    NUMBER,
    PHONE,
    POSTAL_CODE,
    mask_personal_data,
)
from .settings import Settings

# Questions are capped at this length in the log: longer ones are pasted documents, and the
# head is enough to audit; the whole would mostly add unmasked risk.
MAX_LOGGED_CHARS = 2000


def audit_entry(question: str, filters: Any, hits: Iterable[Any], now: datetime | None = None) -> dict[str, Any]:
    """The JSON record of one search; only masked text leaves this function."""
    masked = mask_personal_data(question[:MAX_LOGGED_CHARS])
    if len(question) > MAX_LOGGED_CHARS:
        masked += "…"
    return {
        "time": (now or datetime.now().astimezone()).isoformat(timespec="seconds"),
        "question": masked,
        "filters": _filters_dict(filters),
        "top_ids": [hit.incident.id for hit in hits],
    }


def _filters_dict(filters: Any) -> dict[str, Any]:
    if filters is None:
        return {}
    return {
        "year_from": getattr(filters, "year_from", None),
        "year_to": getattr(filters, "year_to", None),
        "categories": sorted(getattr(filters, "categories", ()) or ()),
        "sources": sorted(getattr(filters, "sources", ()) or ()),
    }


_lock = threading.Lock()  # one line at a time, however many sessions search at once
_log = logging.getLogger(__name__)


def record_search(question: str, filters: Any, hits: Iterable[Any], log: Path | None = None) -> None:
    """Append one masked line to the audit log (`log`, else ZENREI_AUDIT_LOG); nothing when unset.

    A log that cannot be written is reported (path and reason, never the question) but does not
    stop the search: the person asking needs the answer more than the office needs the line.
    """
    path = log if log is not None else Settings.from_env().audit_log
    if path is None:
        return
    line = json.dumps(audit_entry(question, filters, hits), ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock:
            # 0o600: even masked, the log says what the office was worried about.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line)
    except OSError as exc:
        _log.warning("監査ログに書き込めません (cannot write audit log) %s: %s", path, exc.strerror or exc)


class AuditedSearcher(Searcher):
    """A Searcher that logs every search it answers: the one place all of them pass.

    The engine hands this to every page and command (chat, triage, drafting, browse, training,
    CLI search and eval), so no caller can forget to audit. It shares every index of the
    searcher it was made from, as `Searcher.with_ranking` copies do.
    """

    audit_log: Path

    def search(self, query: str, top_k: int = 5, filters: Filters | None = None, method: str = "hybrid") -> list[Hit]:
        hits = super().search(query, top_k=top_k, filters=filters, method=method)
        record_search(query, filters, hits, self.audit_log)
        return hits

    def search_unaudited(self, query: str, top_k: int = 5, filters: Filters | None = None, method: str = "hybrid"):
        """A search the user did not ask for (the whole-corpus check behind a filtered answer)."""
        return super().search(query, top_k=top_k, filters=filters, method=method)


def audited(searcher: Searcher, log: Path | None = None) -> Searcher:
    """`searcher`, logging its searches to `log` (else ZENREI_AUDIT_LOG); as it is when neither is set."""
    log = log if log is not None else Settings.from_env().audit_log
    if log is None or not isinstance(searcher, Searcher):
        return searcher
    found = copy.copy(searcher)
    found.__class__ = AuditedSearcher  # same state, one overridden method; nothing is rebuilt
    found.audit_log = log
    return found
