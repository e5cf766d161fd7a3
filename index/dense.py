"""Exact inner-product search over normalized vectors (FAISS), with filters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalize rows so inner product is cosine similarity."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class DenseIndex:
    """Vectors in a FAISS IndexFlatIP; row i of the index is item i."""

    def __init__(self, index: faiss.Index):
        self._index = index
        # A flat index stores the vectors as they are; a view lets us score chosen rows
        # without a second copy in memory. Safe because nothing is added after construction.
        if index.ntotal:
            flat = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d)
            self._vectors = flat.reshape(index.ntotal, index.d)
        else:
            self._vectors = np.zeros((0, index.d), dtype=np.float32)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        vectors = normalize_rows(vectors)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)

    def search(
        self, query: np.ndarray, top_k: int, allowed: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Best `top_k` rows for one query vector: (rows, cosines), best first.

        With `allowed`, only those rows are searched, inside FAISS (an ID selector), so a
        filtered search still returns `top_k` results whenever that many rows are allowed;
        filtering a fixed-size result afterwards would silently return fewer.
        """
        if top_k <= 0 or self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = normalize_rows(np.asarray(query, dtype=np.float32).reshape(1, -1))
        params = None
        limit = self.size
        if allowed is not None:
            allowed_ids = np.asarray(sorted(set(allowed)), dtype=np.int64)
            if allowed_ids.size == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed_ids))
            limit = int(allowed_ids.size)
        k = min(top_k, limit)
        scores, rows = self._index.search(query, k, params=params)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def similarity(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """Cosine between the query and the given rows, in that order."""
        query = normalize_rows(np.asarray(query, dtype=np.float32).reshape(1, -1))[0]
        return self._vectors[np.asarray(rows, dtype=np.int64)] @ query

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        return cls(faiss.read_index(str(path)))
