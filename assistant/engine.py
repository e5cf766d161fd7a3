"""Opening Zenrei: the model, the corpus and an index that matches both."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path

from data.records import Incident
from index.concept_cache import warm_concepts
from index.embedder import Embedder, open_embedder
from index.incremental import UpdateStats, sync
from index.manifest import IndexMismatch
from index.searcher import Searcher
from index.storage import (
    BuildProgress,
    IndexSaveError,
    build_lock,
    expected_manifest,
    load_last_good,
    load_searcher,
    open_index,
    save_searcher,
)

from .audit import audited
from .corpus import Corpus, load_corpus
from .settings import Settings
from .store import store_path


@dataclass(frozen=True)
class Engine:
    """Everything a question needs, opened once per process (the page caches it)."""

    searcher: Searcher
    corpus: Corpus
    rebuilt_because: str | None  # why the saved index was not used; None when it was
    # Why the index built for this engine could not be saved (a full disk): it answers from
    # memory all the same, and the next start builds again. One line for the user.
    save_error: str | None = None

    def __post_init__(self) -> None:
        # Every page and command searches through engine.searcher: logged there when
        # ZENREI_AUDIT_LOG is set (assistant/audit.py), so no search path can miss the audit.
        object.__setattr__(self, "searcher", audited(self.searcher))


def open_engine(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    index_dir: Path | None = None,
    progress: BuildProgress | None = None,
    force: bool = False,
) -> Engine:
    """Load the saved index, or build it (with progress) when missing or stale, or always with
    `force`; the saved index answers others until the new one replaces it."""
    corpus = load_corpus(settings.tables, store_file=store_path(settings.home))
    embedder = embedder or open_embedder(settings.model, settings.model_cache)
    latest = [corpus]

    def current() -> tuple[tuple[Incident, ...], str]:
        # Called under the build lock: an import committed while we waited is in the index.
        latest[0] = load_corpus(settings.tables, store_file=store_path(settings.home))
        return latest[0].incidents, latest[0].checksum

    opened = open_index(
        corpus.incidents,
        embedder,
        corpus.checksum,
        index_dir or settings.index_dir,
        progress=progress,
        force=force,
        current=current,
    )
    corpus = latest[0]
    warm_concepts(opened.searcher, index_dir or settings.index_dir)  # now, so that no question waits for them
    return Engine(opened.searcher, corpus, opened.rebuilt_because, opened.save_error)


def refresh_engine(engine: Engine, settings: Settings, *, index_dir: Path | None = None) -> tuple[Engine, UpdateStats]:
    """The engine after the store changed: the corpus read again, only new or edited texts
    embedded, and the index saved (atomically, with a manifest for the new corpus) so the next
    start loads it instead of rebuilding.

    The corpus is read under the build lock: two imports refreshing at once would otherwise
    each read the store, and the slower could save an index of the store before the other's
    cases, over the index that had them. When the index cannot be saved (a full disk), the
    engine answers from the index in memory and says why in `save_error`.
    """
    directory = index_dir or settings.index_dir
    with build_lock(directory):
        corpus = load_corpus(settings.tables, store_file=store_path(settings.home))
        searcher, stats = sync(engine.searcher, corpus.incidents)
        expected = expected_manifest(corpus.incidents, searcher.embedder, corpus.checksum)
        try:
            save_searcher(searcher, expected, directory)
            save_error = None
        except IndexSaveError as exc:
            save_error = str(exc)
    warm_concepts(searcher, directory)
    return Engine(searcher=searcher, corpus=corpus, rebuilt_because=None, save_error=save_error), stats


class EngineHandle:
    """The engine the pages answer with, while a newer one may be being built.

    When the data changed since the index was saved, the last good index answers (over the
    incidents it was built from) and a thread builds the index for the current data, then
    replaces it here. Questions never wait for a build, except on the very first start, when
    there is nothing to answer from yet.
    """

    def __init__(self, engine: Engine, stale_because: str | None = None):
        self._engine = engine
        self._lock = threading.Lock()
        self.stale_because = stale_because  # why the current engine is not for the current data
        self.error: str | None = None  # why the background build failed, if it did
        self._thread: threading.Thread | None = None

    @property
    def engine(self) -> Engine:
        with self._lock:
            return self._engine

    @property
    def building(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def rebuild_in_background(self, settings: Settings, embedder: Embedder, index_dir: Path | None = None) -> None:
        def run() -> None:
            try:
                fresh = open_engine(settings, embedder=embedder, index_dir=index_dir)
            except Exception as exc:  # shown on the page; the last good index keeps answering
                self.error = f"{type(exc).__name__}: {exc}"
                return
            with self._lock:
                self._engine, self.stale_because = fresh, None

        self._thread = threading.Thread(target=run, name="zenrei-index-build", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background build; True when none is running any more."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.building


def open_engine_handle(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    index_dir: Path | None = None,
    progress: BuildProgress | None = None,
) -> EngineHandle:
    """An engine at once when the saved index matches the data; the last good index (and a
    build in the background) when the data changed; a build with progress when there is no
    index at all."""
    corpus = load_corpus(settings.tables, store_file=store_path(settings.home))
    embedder = embedder or open_embedder(settings.model, settings.model_cache)
    directory = index_dir or settings.index_dir
    expected = expected_manifest(corpus.incidents, embedder, corpus.checksum)
    try:
        searcher = load_searcher(corpus.incidents, embedder, expected, directory)
    except IndexMismatch as exc:
        last = load_last_good(embedder, directory)
        if last is None:
            return EngineHandle(open_engine(settings, embedder=embedder, index_dir=index_dir, progress=progress))
        warm_concepts(last, directory)
        old = dataclasses.replace(corpus, incidents=last.incidents, warnings=())
        handle = EngineHandle(Engine(searcher=last, corpus=old, rebuilt_because=None), stale_because=str(exc))
        handle.rebuild_in_background(settings, embedder, index_dir)
        return handle
    warm_concepts(searcher, directory)
    return EngineHandle(Engine(searcher=searcher, corpus=corpus, rebuilt_because=None))
