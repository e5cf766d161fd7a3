"""Building an index from incidents, saving it atomically, and loading it only if it matches."""

from __future__ import annotations

import contextlib
import errno
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from data.records import Incident

from .dense import DenseIndex
from .embedder import QUERY, Embedder
from .lexical import LexicalIndex
from .manifest import IndexMismatch, Manifest, corpus_checksum, file_sha256
from .searcher import Searcher, lexical_document
from .snapshot import read_incidents, write_incidents

# (what is happening, done, total): drives the progress bar on the page and in the CLI.
BuildProgress = Callable[[str, int, int], None]
# The incidents and data checksum as they are now: read again under the build lock, so that a
# build never saves an index of data that changed while it waited for the lock.
CurrentData = Callable[[], tuple[Sequence[Incident], str]]


class IndexSaveError(RuntimeError):
    """The index could not be written (a full disk, no permission). The message is one line for
    the user; the searcher built in memory still answers, and the saved index is as it was."""


@dataclass(frozen=True)
class Opened:
    searcher: Searcher
    rebuilt_because: str | None  # why the saved index was not used; None when it was
    save_error: str | None = None  # why the index built now could not be saved (it answers anyway)

# Descriptions are embedded as e5 "query"s, like the question: a new incident compared with
# past incidents is a symmetric task, for which e5's authors advise "query: " on both sides.
# On our dev sets this raised dense nDCG@5 from 0.84 to 0.89 (seed) and from 0.55 to 0.59
# (seed + other bodies, held out when choosing). Measures are not embedded here: BM25 reads
# them, and drafting embeds the measures of the cases it drafts from.
DESCRIPTION_PROMPT = QUERY

DESCRIPTIONS_FILE = "descriptions.faiss"
LEXICAL_DIR = "bm25"
INCIDENTS_FILE = "incidents.jsonl"  # what the rows stand for, so the index can answer alone


def expected_manifest(incidents: Sequence[Incident], embedder: Embedder, data_sum: str) -> Manifest:
    return Manifest(
        model_id=embedder.model_id,
        dim=embedder.dim,
        count=len(incidents),
        data_checksum=data_sum,
        corpus_checksum=corpus_checksum(incidents),
        prompts=f"descriptions:{DESCRIPTION_PROMPT}",
    )


def build_searcher(
    incidents: Sequence[Incident], embedder: Embedder, progress: BuildProgress | None = None
) -> Searcher:
    """Embed and index the incidents in memory."""
    report = progress or (lambda *_: None)
    report("事案の内容を埋め込み中 (embedding descriptions)", 0, len(incidents))
    description_vectors = embedder.embed(
        [inc.description for inc in incidents],
        DESCRIPTION_PROMPT,
        progress=lambda done, total: report("事案の内容を埋め込み中 (embedding descriptions)", done, total),
    )
    report("全文索引を作成中 (building BM25)", 0, 1)
    searcher = searcher_from_vectors(incidents, embedder, description_vectors)
    report("完了 (done)", 1, 1)
    return searcher


def searcher_from_vectors(
    incidents: Sequence[Incident],
    embedder: Embedder,
    description_vectors: np.ndarray,
) -> Searcher:
    """A searcher over vectors computed elsewhere (bench/scale.py: replicated vectors at 1M).

    `description_vectors` row i belongs to incidents[i]. The BM25 leg is built from the text.
    """
    return Searcher(
        incidents,
        embedder,
        DenseIndex.build(_as_matrix(description_vectors, embedder.dim)),
        LexicalIndex.build([lexical_document(inc) for inc in incidents]),
    )


def save_searcher(searcher: Searcher, manifest: Manifest, directory: Path) -> None:
    """Write the index next to `directory`, then swap it in, so a crash never leaves half an index.

    The manifest is written last and lists every file's checksum; a directory without a valid
    manifest is never loaded.
    """
    directory = Path(directory)
    retired = directory.with_name(f".{directory.name}.old")
    staging: Path | None = None
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.building-", dir=directory.parent))
        searcher.descriptions.save(staging / DESCRIPTIONS_FILE)
        searcher.lexical.save(staging / LEXICAL_DIR)
        write_incidents(staging / INCIDENTS_FILE, searcher.incidents)
        files = {
            str(path.relative_to(staging)): file_sha256(path) for path in sorted(staging.rglob("*")) if path.is_file()
        }
        Manifest(**{**manifest.__dict__, "files": files}).write(staging)
        shutil.rmtree(retired, ignore_errors=True)
        if directory.exists():
            directory.rename(retired)
        staging.rename(directory)
        shutil.rmtree(retired, ignore_errors=True)
    except (OSError, RuntimeError) as exc:  # FAISS reports a failed write as RuntimeError
        if retired.exists() and not directory.exists():
            with contextlib.suppress(OSError):
                retired.rename(directory)  # the last good index stays in place
        raise IndexSaveError(_save_failure(directory, exc)) from exc
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _save_failure(directory: Path, exc: BaseException) -> str:
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.ENOSPC or "No space left" in text:
        why = "ディスクの空きが足りません (no space left on device)"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS) or "Permission denied" in text or "Read-only" in text:
        why = "書き込みが許可されていません (permission denied)"
    else:
        why = getattr(exc, "strerror", None) or text.splitlines()[-1][:200]
    return f"{directory}: 索引を保存できませんでした: {why}。今回はメモリ上の索引で答えます (index not saved)"


def save_searcher_exclusive(searcher: Searcher, manifest: Manifest, directory: Path) -> None:
    """save_searcher, one writer at a time with builds (an update after an import)."""
    with build_lock(Path(directory)):
        save_searcher(searcher, manifest, directory)


def load_searcher(incidents: Sequence[Incident], embedder: Embedder, expected: Manifest, directory: Path) -> Searcher:
    """Load a saved index; IndexMismatch unless it was built from exactly this model and data."""
    directory = Path(directory)
    manifest = Manifest.read(directory)
    manifest.check(expected)
    manifest.verify_files(directory)
    try:
        searcher = Searcher(
            incidents,
            embedder,
            DenseIndex.load(directory / DESCRIPTIONS_FILE),
            LexicalIndex.load(directory / LEXICAL_DIR, len(incidents)),
        )
    except (OSError, ValueError, RuntimeError) as exc:
        raise IndexMismatch(f"{directory}: unreadable index: {exc}") from exc
    if searcher.descriptions.dim != manifest.dim:
        raise IndexMismatch(f"{directory}: dimension {searcher.descriptions.dim} != {manifest.dim}")
    return searcher


def load_last_good(embedder: Embedder, directory: Path) -> Searcher | None:
    """The saved index over the incidents it was built from, whatever the data is now; None
    when there is none, it was made with another model, or a file is damaged. It answers while
    an index for the current data is being built."""
    directory = Path(directory)
    try:
        manifest = Manifest.read(directory)
        if INCIDENTS_FILE not in manifest.files:  # saved before snapshots were kept
            return None
        incidents = read_incidents(directory / INCIDENTS_FILE)
        # The saved index as it must be for this model and these incidents; load_searcher then
        # compares it with the manifest and verifies every file's checksum.
        expected = expected_manifest(incidents, embedder, manifest.data_checksum)
        return load_searcher(incidents, embedder, expected, directory)
    except (IndexMismatch, OSError, ValueError):
        return None


def open_searcher(
    incidents: Sequence[Incident],
    embedder: Embedder,
    data_sum: str,
    directory: Path,
    progress: BuildProgress | None = None,
    force: bool = False,
) -> tuple[Searcher, str | None]:
    """open_index for callers that need no more: (searcher, why it was rebuilt or None)."""
    opened = open_index(incidents, embedder, data_sum, directory, progress=progress, force=force)
    return opened.searcher, opened.rebuilt_because


def open_index(
    incidents: Sequence[Incident],
    embedder: Embedder,
    data_sum: str,
    directory: Path,
    progress: BuildProgress | None = None,
    force: bool = False,
    current: CurrentData | None = None,
) -> Opened:
    """The saved index if it matches; otherwise (or with `force`) build, save and return a
    fresh one. The saved index stays in place, loadable by others, until the new one is
    swapped in. With `current`, the data is read again under the build lock and the index is
    for that data (Opened.searcher.incidents). When the new index cannot be saved (a full
    disk), it is returned all the same, with Opened.save_error saying why.
    """
    directory = Path(directory)
    expected = expected_manifest(incidents, embedder, data_sum)
    if not force:
        try:
            return Opened(load_searcher(incidents, embedder, expected, directory), None)
        except IndexMismatch:
            pass
    # Another server or `assistant build` may be building the same index: one at a time, and
    # whoever waited loads what the other built instead of building it again.
    with build_lock(directory):
        _recover(directory)
        if current is not None:
            incidents, data_sum = current()
            expected = expected_manifest(incidents, embedder, data_sum)
        reason = "再構築を指示されました (rebuild requested)" if force else None
        if not force:
            try:
                return Opened(load_searcher(incidents, embedder, expected, directory), None)
            except IndexMismatch as exc:
                reason = str(exc)
        searcher = build_searcher(incidents, embedder, progress)
        try:
            save_searcher(searcher, expected, directory)
        except IndexSaveError as exc:
            return Opened(searcher, reason, str(exc))
    return Opened(searcher, reason)


@contextlib.contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """One builder or saver of the index at `directory` at a time, across threads and processes
    (flock on a file beside it). Read the data to index while holding it."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.with_name(f".{directory.name}.lock"), "a") as handle:
        if fcntl is not None:  # POSIX; on Windows builds are not serialized
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _recover(directory: Path) -> None:
    """Under the lock: finish or clear what a build killed midway left behind."""
    retired = directory.with_name(f".{directory.name}.old")
    if retired.exists() and not directory.exists():
        retired.rename(directory)  # killed between the two renames: the last good index is back
    else:
        shutil.rmtree(retired, ignore_errors=True)
    for stale in directory.parent.glob(f".{directory.name}.building-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _as_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors.reshape(-1, dim)
