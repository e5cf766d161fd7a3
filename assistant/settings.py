"""Where Zenrei keeps its files and which model and tables it uses, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
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

    @property
    def model_cache(self) -> Path:
        return self.home / "models"

    @property
    def index_dir(self) -> Path:
        return self.home / "index" / "default"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """ZENREI_HOME, ZENREI_MODEL and ZENREI_DATA (paths separated by os.pathsep)."""
        env = os.environ if environ is None else environ
        home = Path(env["ZENREI_HOME"]).expanduser() if env.get("ZENREI_HOME") else default_home()
        model = env.get("ZENREI_MODEL") or DEFAULT_MODEL
        data = env.get("ZENREI_DATA")
        tables = tuple(Path(p).expanduser() for p in data.split(os.pathsep) if p) if data else bundled_tables()
        return cls(home=home, model=model, tables=tables)
