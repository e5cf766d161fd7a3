"""The manifest that ties a saved index to the model and data it was built from."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from data.records import Incident

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


class IndexMismatch(Exception):
    """A saved index that must not be used as it is (stale, foreign or damaged)."""


@dataclass(frozen=True)
class Manifest:
    model_id: str
    dim: int
    count: int
    data_checksum: str  # sha256 over the data files' names and bytes
    corpus_checksum: str  # sha256 over the parsed incidents, so a parser change also rebuilds
    prompts: str = ""  # which e5 prompt each kind of text was embedded with
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256 of its bytes
    format: int = FORMAT_VERSION

    def write(self, directory: Path) -> None:
        _write_atomic(directory / MANIFEST_NAME, json.dumps(asdict(self), ensure_ascii=False, indent=1))

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**raw)
        except FileNotFoundError as exc:
            raise IndexMismatch(f"{path}: マニフェストがありません (no manifest)") from exc
        except (OSError, ValueError, TypeError) as exc:
            raise IndexMismatch(f"{path}: マニフェストが壊れています (unreadable manifest): {exc}") from exc
        files = manifest.files
        # The manifest names the files to verify; it must never point outside the index folder.
        if not isinstance(files, dict) or not all(
            isinstance(name, str) and isinstance(digest, str) and _inside(name) for name, digest in files.items()
        ):
            raise IndexMismatch(f"{path}: マニフェストのファイル一覧が不正です (bad file list)")
        return manifest

    def check(self, expected: Manifest) -> None:
        """Raise IndexMismatch naming the first field that differs from what is expected."""
        for name in ("format", "model_id", "prompts", "dim", "count", "data_checksum", "corpus_checksum"):
            have, want = getattr(self, name), getattr(expected, name)
            if have != want:
                raise IndexMismatch(f"{name}: saved {have!r}, expected {want!r}")

    def verify_files(self, directory: Path) -> None:
        """Refuse files that changed since the manifest was written (truncated, corrupted)."""
        for name, digest in self.files.items():
            path = directory / name
            if not path.is_file():
                raise IndexMismatch(f"{path}: missing")
            if file_sha256(path) != digest:
                raise IndexMismatch(f"{path}: checksum differs from the manifest")


def _inside(name: str) -> bool:
    relative = Path(name)
    return bool(name) and not relative.is_absolute() and ".." not in relative.parts


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_checksum(paths: Sequence[Path]) -> str:
    """Checksum of the data files in order: names matter (they are cited), and so does order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode("utf-8") + b"\0")
        digest.update(file_sha256(Path(path)).encode("ascii"))
    return digest.hexdigest()


def corpus_checksum(incidents: Iterable[Incident]) -> str:
    digest = hashlib.sha256()
    for inc in incidents:
        record = [
            inc.id,
            inc.source,
            inc.line,
            inc.fiscal_year,
            inc.description,
            list(inc.categories),
            list(inc.measures),
        ]
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
