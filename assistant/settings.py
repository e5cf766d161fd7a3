"""All of Zenrei's configuration, read from the environment in one place.

ZENREI_HOME (files), ZENREI_MODEL (model), ZENREI_DATA (tables), ZENREI_AUDIT_LOG (the optional
search log, assistant/audit.py) and ZENREI_PASSWORD (the page's gate, ui/gate.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from index.embedder import DEFAULT_MODEL

REPO_ROOT = Path(__file__).resolve().parent.parent
TABLES_DIR = REPO_ROOT / "data" / "tables"
from data.formats import TABLE_SUFFIXES  # noqa: E402  (the one list: data/formats.py)


def default_home() -> Path:
    # Per-user and outside the repository: the model cache and index must survive a fresh
    # clone and never be committed.
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "zenrei"


def bundled_tables() -> tuple[Path, ...]:
    """The tables shipped in data/tables, in name order (the order fixes positional ids)."""
    return tuple(sorted(p for p in TABLES_DIR.iterdir() if p.suffix.lower() in TABLE_SUFFIXES))


@dataclass(frozen=True)
class Settings:
    home: Path
    model: str  # "default", a sentence-transformers folder, or a model name in the local cache
    tables: tuple[Path, ...]
    audit_log: Path | None = None  # one masked JSON line per search when set
    password: str = field(default="", repr=False)  # the page's shared password; "" = no gate

    @property
    def model_cache(self) -> Path:
        return self.home / "models"

    @property
    def index_dir(self) -> Path:
        return self.home / "index" / "default"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """ZENREI_HOME, ZENREI_MODEL, ZENREI_DATA (paths separated by os.pathsep), ZENREI_AUDIT_LOG
        and ZENREI_PASSWORD. Blank values count as unset; the password is taken as written."""
        env = os.environ if environ is None else environ
        home = Path(env["ZENREI_HOME"]).expanduser() if env.get("ZENREI_HOME") else default_home()
        model = env.get("ZENREI_MODEL") or DEFAULT_MODEL
        data = env.get("ZENREI_DATA")
        tables = tuple(Path(p).expanduser() for p in data.split(os.pathsep) if p) if data else bundled_tables()
        audit = env.get("ZENREI_AUDIT_LOG", "").strip()
        return cls(
            home=home,
            model=model,
            tables=tables,
            audit_log=Path(audit).expanduser() if audit else None,
            password=env.get("ZENREI_PASSWORD", ""),
        )
