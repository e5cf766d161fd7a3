"""Opening Zenrei: the model, the corpus and an index that matches both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.embedder import Embedder, open_embedder
from index.searcher import Searcher
from index.storage import BuildProgress, open_searcher

from .corpus import Corpus, load_corpus
from .settings import Settings


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
    corpus = load_corpus(settings.tables)
    embedder = embedder or open_embedder(settings.model, settings.model_cache)
    searcher, reason = open_searcher(
        corpus.incidents,
        embedder,
        corpus.checksum,
        index_dir or settings.index_dir,
        progress=progress,
    )
    return Engine(searcher=searcher, corpus=corpus, rebuilt_because=reason)
