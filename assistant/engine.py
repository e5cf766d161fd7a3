"""Opening Zenrei: the model, the corpus and an index that matches both."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path

from index.concept_cache import warm_concepts
from index.embedder import Embedder, open_embedder
from index.incremental import UpdateStats, sync
from index.manifest import IndexMismatch
from index.searcher import Searcher
from index.storage import (
    BuildProgress,
    expected_manifest,
    load_last_good,
    load_searcher,
    open_searcher,
    save_searcher_exclusive,
)

from .corpus import Corpus, load_corpus
from .settings import Settings
from .store import store_path


@dataclass(frozen=True)
class Engine:
    """Everything a question needs, opened once per process (the page caches it)."""

    searcher: Searcher
    corpus: Corpus
    rebuilt_because: str | None  # why the saved index was not used; None when it was


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
    searcher, reason = open_searcher(
        corpus.incidents,
        embedder,
        corpus.checksum,
        index_dir or settings.index_dir,
        progress=progress,
        force=force,
    )
    warm_concepts(searcher, index_dir or settings.index_dir)  # now, so that no question waits for them
    return Engine(searcher=searcher, corpus=corpus, rebuilt_because=reason)


def refresh_engine(engine: Engine, settings: Settings, *, index_dir: Path | None = None) -> tuple[Engine, UpdateStats]:
    """The engine after the store changed: the corpus read again, only new or edited texts
    embedded, and the index saved (atomically, with a manifest for the new corpus) so the next
    start loads it instead of rebuilding."""
    corpus = load_corpus(settings.tables, store_file=store_path(settings.home))
    searcher, stats = sync(engine.searcher, corpus.incidents)
    warm_concepts(searcher, index_dir or settings.index_dir)
    expected = expected_manifest(corpus.incidents, searcher.embedder, corpus.checksum)
    save_searcher_exclusive(searcher, expected, index_dir or settings.index_dir)
    return Engine(searcher=searcher, corpus=corpus, rebuilt_because=None), stats


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
