"""Opening Zenrei: the model, the corpus and an index that matches both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.embedder import Embedder, open_embedder
from index.incremental import UpdateStats, sync
from index.searcher import Searcher
from index.storage import BuildProgress, expected_manifest, open_searcher, save_searcher

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
) -> Engine:
    """Load the saved index, or build it (with progress) when missing or stale."""
    corpus = load_corpus(settings.tables, store_file=store_path(settings.home))
    embedder = embedder or open_embedder(settings.model, settings.model_cache)
    searcher, reason = open_searcher(
        corpus.incidents,
        embedder,
        corpus.checksum,
        index_dir or settings.index_dir,
        progress=progress,
    )
    searcher.concept_vectors()  # embedded now, so that no question waits for them
    return Engine(searcher=searcher, corpus=corpus, rebuilt_because=reason)


def refresh_engine(engine: Engine, settings: Settings, *, index_dir: Path | None = None) -> tuple[Engine, UpdateStats]:
    """The engine after the store changed: the corpus read again, only new or edited texts
    embedded, and the index saved (atomically, with a manifest for the new corpus) so the next
    start loads it instead of rebuilding."""
    corpus = load_corpus(settings.tables, store_file=store_path(settings.home))
    searcher, stats = sync(engine.searcher, corpus.incidents)
    searcher.concept_vectors()
    expected = expected_manifest(corpus.incidents, searcher.embedder, corpus.checksum)
    save_searcher(searcher, expected, index_dir or settings.index_dir)
    return Engine(searcher=searcher, corpus=corpus, rebuilt_because=None), stats
