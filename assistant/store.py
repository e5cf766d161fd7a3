"""The store of record for incidents people import: SQLite in Zenrei's data directory.

The shipped tables in data/tables stay read-only sources; what users add, edit or delete lives
here, outside the repository (`<ZENREI_HOME>/store.sqlite3`). Every change is written in one
transaction together with its line in the change log (when, what, from which file), so an
import is all-or-nothing: a failure, or the process being killed, leaves the store as it was
(SQLite rolls back an unfinished transaction; WAL keeps readers unblocked meanwhile).

Ids: an incident keeps its own id, unqualified. Ids are unique among the live incidents of the
store; an import that repeats one is refused as a whole, naming the file and line, so the user
decides (edit the file, or delete the stored case first). A deleted id may be used again.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from data.records import Incident

STORE_NAME = "store.sqlite3"
ACTIONS = ("add", "edit", "delete")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    fiscal_year INTEGER,
    year_raw TEXT NOT NULL,
    description TEXT NOT NULL,
    description_raw TEXT NOT NULL,
    categories TEXT NOT NULL,      -- JSON list
    measures TEXT NOT NULL,        -- JSON list
    measures_raw TEXT NOT NULL,
    metadata TEXT NOT NULL,        -- JSON object
    source_file TEXT NOT NULL,
    source_line INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS live_id ON incidents(id) WHERE deleted = 0;
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'edit', 'delete')),
    incident_id TEXT NOT NULL,
    source_file TEXT NOT NULL,     -- the file imported, or the incident's file for page edits
    detail TEXT NOT NULL DEFAULT '{}'
);
"""


class StoreError(ValueError):
    """A change the store refuses (duplicate id, unknown id, a full disk); the message is for the user."""


def _database_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """SQLite's failure as one line for the user; the change was rolled back, nothing else lost."""
    text = str(exc)
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in text:
        why = "ディスクの空きが足りません (disk full)"
    elif "readonly" in text or "read-only" in text:
        why = "書き込みが許可されていません (read-only)"
    elif "locked" in text or "busy" in text:
        why = "保存先が使用中です。しばらくしてからもう一度お試しください (database busy; try again)"
    else:
        why = f"データベースのエラーです ({text})"
    return StoreError(
        f"{path}: 保存できませんでした: {why}。この変更は保存されず、保存済みの事案はそのままです "
        "(nothing of this change was stored)"
    )


@dataclass(frozen=True)
class Change:
    seq: int
    at: str
    action: str
    incident_id: str
    source_file: str
    detail: dict[str, object]


@dataclass(frozen=True)
class StoredIncident:
    incident: Incident  # source = original file, line = original line
    created_at: str
    updated_at: str


def store_path(home: Path) -> Path:
    return Path(home) / STORE_NAME


def _now() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def _row_values(incident: Incident) -> tuple:
    return (
        incident.fiscal_year,
        incident.year_raw,
        incident.description,
        incident.description_raw,
        json.dumps(list(incident.categories), ensure_ascii=False),
        json.dumps(list(incident.measures), ensure_ascii=False),
        incident.measures_raw,
        json.dumps(dict(incident.metadata), ensure_ascii=False),
    )


def _incident(row: sqlite3.Row) -> StoredIncident:
    incident = Incident(
        id=row["id"],
        source=row["source_file"],
        line=row["source_line"],
        fiscal_year=row["fiscal_year"],
        year_raw=row["year_raw"],
        description=row["description"],
        categories=tuple(json.loads(row["categories"])),
        measures=tuple(json.loads(row["measures"])),
        description_raw=row["description_raw"],
        measures_raw=row["measures_raw"],
        metadata=json.loads(row["metadata"]),
    )
    return StoredIncident(incident, row["created_at"], row["updated_at"])


class Store:
    """One SQLite file. Open per use (`with Store(path) as store:`); connections are cheap."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{self.path.parent}: フォルダを作れません。ZENREI_HOME に書き込めるフォルダを指定してください "
                f"(cannot create folder: {exc.strerror}; set ZENREI_HOME to a writable place)"
            ) from None
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a transaction spans
        # exactly one import and a second writer waits instead of failing halfway.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            self._db.close()
            raise _database_error(self.path, exc) from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One change, all or nothing. A full disk (or any SQLite failure) is a StoreError and the
        store stays as it was before the change."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _database_error(self.path, exc) from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as exc:
            # SQLite may have rolled back already (SQLITE_FULL does): only roll back what is open.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _database_error(self.path, exc) from None
            raise

    def _log(self, db: sqlite3.Connection, at: str, action: str, incident_id: str, source: str, detail: dict) -> None:
        db.execute(
            "INSERT INTO changes (at, action, incident_id, source_file, detail) VALUES (?, ?, ?, ?, ?)",
            (at, action, incident_id, source, json.dumps(detail, ensure_ascii=False)),
        )

    def live_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT id FROM incidents WHERE deleted = 0")}

    def add_all(
        self, incidents: Sequence[Incident], source_file: str, on_row: Callable[[int], None] | None = None
    ) -> int:
        """Store the incidents of one file, all or none. StoreError names a repeated id."""
        taken = self.live_ids()
        repeated = [inc for inc in incidents if inc.id in taken]
        if repeated:
            first = repeated[0]
            raise StoreError(
                f"{first.source}:{first.line}: id「{first.id}」は既に保存されています。"
                f"ファイルの id を変えるか、保存済みの事案を削除してから取り込んでください "
                f"({len(repeated)} id(s) already in the store; nothing was stored)"
            )
        at = _now()
        with self._transaction() as db:
            for done, inc in enumerate(incidents, start=1):
                try:
                    db.execute(
                        "INSERT INTO incidents (id, fiscal_year, year_raw, description, description_raw, categories,"
                        " measures, measures_raw, metadata, source_file, source_line, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (inc.id, *_row_values(inc), inc.source, inc.line, at, at),
                    )
                except sqlite3.IntegrityError:
                    raise StoreError(
                        f"{inc.source}:{inc.line}: id「{inc.id}」がファイル内か保存済みの事案と重複しています "
                        "(duplicate id; nothing was stored)"
                    ) from None
                self._log(db, at, "add", inc.id, source_file, {"line": inc.line})
                if on_row:
                    on_row(done)
        return len(incidents)

    def edit(self, incident: Incident, via: str = "画面で編集") -> None:
        """Replace the stored text of the live incident with this id (source and line stay)."""
        at = _now()
        with self._transaction() as db:
            row = db.execute("SELECT * FROM incidents WHERE id = ? AND deleted = 0", (incident.id,)).fetchone()
            if row is None:
                raise StoreError(f"id「{incident.id}」の事案は保存されていません (no such stored incident)")
            before = _incident(row).incident
            db.execute(
                "UPDATE incidents SET fiscal_year = ?, year_raw = ?, description = ?, description_raw = ?,"
                " categories = ?, measures = ?, measures_raw = ?, metadata = ?, updated_at = ? WHERE pk = ?",
                (*_row_values(incident), at, row["pk"]),
            )
            changed = [
                name
                for name in ("year_raw", "description", "categories", "measures")
                if getattr(before, name) != getattr(incident, name)
            ]
            self._log(db, at, "edit", incident.id, row["source_file"], {"fields": changed, "via": via})

    def delete(self, incident_id: str, via: str = "画面で削除") -> None:
        at = _now()
        with self._transaction() as db:
            row = db.execute("SELECT * FROM incidents WHERE id = ? AND deleted = 0", (incident_id,)).fetchone()
            if row is None:
                raise StoreError(f"id「{incident_id}」の事案は保存されていません (no such stored incident)")
            # Soft delete: the row stays for the history; the partial unique index frees the id.
            db.execute("UPDATE incidents SET deleted = 1, updated_at = ? WHERE pk = ?", (at, row["pk"]))
            self._log(db, at, "delete", incident_id, row["source_file"], {"via": via})

    def live(self) -> list[StoredIncident]:
        """Live incidents in the order they were stored (new ones come last: cheap index updates)."""
        rows = self._db.execute("SELECT * FROM incidents WHERE deleted = 0 ORDER BY pk").fetchall()
        return [_incident(row) for row in rows]

    def incidents(self) -> tuple[Incident, ...]:
        return tuple(stored.incident for stored in self.live())

    def history(self, limit: int | None = None) -> list[Change]:
        query = "SELECT * FROM changes ORDER BY seq DESC" + (" LIMIT ?" if limit else "")
        rows = self._db.execute(query, (limit,) if limit else ()).fetchall()
        return [
            Change(r["seq"], r["at"], r["action"], r["incident_id"], r["source_file"], json.loads(r["detail"]))
            for r in rows
        ]


def read_store(path: Path) -> tuple[Incident, ...]:
    """The live incidents of the store at `path`; none when it does not exist (never creates it)."""
    path = Path(path)
    if not path.is_file():
        return ()
    with Store(path) as store:
        return store.incidents()
