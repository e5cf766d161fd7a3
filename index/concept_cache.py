"""The dictionary groups' vectors, kept on disk beside the saved index.

Every question is searched with the mean vector of the dictionary groups it mentions
(index/searcher.py), so opening an engine used to embed every group's wordings: seconds of the
model at each start. They depend only on the model and the dictionary, not on the data, so
they are saved once, next to the index directory (a rebuild of the index keeps them), under a
key of both; any other key, or a damaged file, and they are embedded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .embedder import QUERY
from .searcher import Searcher
from .synonyms import GROUPS, group_text

CACHE_SUFFIX = ".concepts.npz"


def concepts_key(model_id: str, dim: int) -> str:
    """What the vectors were made from: model, dimension, prompt and every group's text."""
    data = json.dumps([model_id, dim, QUERY, [[g.concept, group_text(g)] for g in GROUPS]], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def cache_path(index_dir: Path) -> Path:
    index_dir = Path(index_dir)
    return index_dir.with_name(index_dir.name + CACHE_SUFFIX)


def read_concepts(path: Path, key: str, dim: int) -> dict[str, np.ndarray] | None:
    """The saved vectors if they were made under `key`; None otherwise (missing, stale, damaged)."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["key"]) != key:
                return None
            vectors, names = saved["vectors"], [str(n) for n in saved["concepts"]]
    except (OSError, ValueError, KeyError, EOFError):
        return None
    expected = [g.concept for g in GROUPS]
    if names != expected or vectors.shape != (len(expected), dim) or not np.isfinite(vectors).all():
        return None
    return dict(zip(names, np.asarray(vectors, dtype=np.float32), strict=True))


def write_concepts(path: Path, key: str, vectors: dict[str, np.ndarray]) -> None:
    """Written to a temporary file and renamed: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [g.concept for g in GROUPS]
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, key=np.array(key), concepts=np.array(names), vectors=np.stack([vectors[n] for n in names]))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def warm_concepts(searcher: Searcher, index_dir: Path) -> None:
    """Give the searcher its dictionary vectors: from the cache when it holds them for this
    model and dictionary, else embedded now (the model is loaded then) and saved for next time."""
    path = cache_path(index_dir)
    key = concepts_key(searcher.embedder.model_id, searcher.embedder.dim)
    saved = read_concepts(path, key, searcher.embedder.dim)
    if saved is not None:
        searcher.use_concept_vectors(saved)
        return
    vectors = searcher.concept_vectors()
    try:
        write_concepts(path, key, vectors)
    except OSError:
        pass  # a read-only or full disk: they are embedded again at the next start, nothing is lost
