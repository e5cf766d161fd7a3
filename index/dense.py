"""Inner-product search over normalized vectors (FAISS), exact or approximate by size, with filters.

Up to `EXACT_LIMIT` vectors the index is exact (IndexFlatIP): a scan of every vector is
cheap there and has perfect recall. Above it, an inverted-file index (IndexIVFFlat, ~sqrt(n)
clusters) scans only the `IVF_NPROBE` clusters nearest to the query. IVF rather than HNSW:
it built 1M e5 vectors in 60 s on 2 shared cores, needs no graph memory, and trades recall
for time with one number (HNSW was not measured here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

FLAT = "flat"
IVF = "ivf"

# Largest corpus searched exactly. Measured with bench/scale.py --recall on 384-d e5 vectors,
# 2 shared cores: a flat scan costs ~2.2 ms per 10k rows (0.56 ms at 4k, 22 ms at 100k, 301 ms
# at 1M), so up to 50k it stays near 11 ms with perfect recall and no training step; above
# it the scan alone would take a large part of the 50 ms budget the BM25 leg also needs.
EXACT_LIMIT = 50_000

# Clusters probed per query. bench/scale.py --recall, recall@10 against exact search on e5
# vectors (109 queries: 10 questions + the real descriptions): 0.987 at 100k (316 lists,
# 2.8 ms) and 0.982 at 1M (1000 lists, 6.5 ms); 16 gave 0.957 / 0.963, too close to 0.95.
IVF_NPROBE = 32

# A filtered approximate search that allows at most this many rows scores them exactly: it is
# cheaper than probing, and an ID selector inside IVF can return fewer than k rows when the
# allowed rows are rare in the probed clusters.
EXACT_FILTER_LIMIT = EXACT_LIMIT

_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalize rows so inner product is cosine similarity."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def choose_kind(count: int, exact_limit: int = EXACT_LIMIT) -> str:
    """Exact search up to `exact_limit` vectors, IVF above."""
    return FLAT if count <= exact_limit else IVF


def ivf_lists(count: int) -> int:
    """Number of IVF clusters: ~sqrt(n), the usual balance of probing cost against list length."""
    return max(1, int(round(math.sqrt(count))))


class DenseIndex:
    """Row i of the FAISS index is item i (IndexFlatIP or IndexIVFFlat with a direct map)."""

    def __init__(self, index: faiss.Index, nprobe: int = IVF_NPROBE):
        self._index = index
        self._ivf = faiss.try_extract_index_ivf(index) if not isinstance(index, faiss.IndexFlat) else None
        if self._ivf is not None:
            self._ivf.nprobe = min(nprobe, self._ivf.nlist)
            # IVF keeps vectors grouped by cluster; the direct map finds row i again
            # (similarity, exact filtered search) for 8 bytes a row instead of a second copy.
            if self._ivf.direct_map.type == faiss.DirectMap.NoMap:
                self._ivf.make_direct_map()
            self._vectors = None
        elif index.ntotal:
            # A flat index stores the vectors as they are; a view lets us score chosen rows
            # without a second copy in memory. Safe because nothing is added after construction.
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

    @property
    def kind(self) -> str:
        return FLAT if self._ivf is None else IVF

    @property
    def nprobe(self) -> int | None:
        return None if self._ivf is None else int(self._ivf.nprobe)

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        kind: str | None = None,
        nprobe: int = IVF_NPROBE,
        exact_limit: int = EXACT_LIMIT,
    ) -> DenseIndex:
        """Index the rows of `vectors`; the kind follows the size unless given."""
        vectors = normalize_rows(vectors)
        kind = kind or choose_kind(len(vectors), exact_limit)
        if kind == FLAT:
            index = faiss.IndexFlatIP(vectors.shape[1])
        elif kind == IVF:
            index = _trained_ivf(vectors)
        else:
            raise ValueError(f"unknown index kind {kind!r}")
        index.add(vectors)
        return cls(index, nprobe)

    def search(
        self, query: np.ndarray, top_k: int, allowed: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Best `top_k` rows for one query vector: (rows, cosines), best first.

        With `allowed`, only those rows are searched, inside FAISS (an ID selector) or exactly
        over those rows, so a filtered search returns `top_k` results whenever that many rows
        are allowed; filtering a fixed-size result afterwards would silently return fewer.
        """
        if top_k <= 0 or self.size == 0:
            return _EMPTY
        query = normalize_rows(np.asarray(query, dtype=np.float32).reshape(1, -1))
        if allowed is None:
            return self._faiss_search(query, min(top_k, self.size), None)
        # A bitmap rather than np.unique: no sort, and the selector needs it anyway. At 1M rows
        # with half of them allowed this is a few ms instead of tens.
        bitmap = np.zeros(self.size, dtype=bool)
        bitmap[np.asarray(allowed, dtype=np.int64)] = True
        count = int(np.count_nonzero(bitmap))
        if count == 0:
            return _EMPTY
        k = min(top_k, count)
        if self._ivf is not None and count <= EXACT_FILTER_LIMIT:
            return self._exact_over(query[0], np.flatnonzero(bitmap), k)
        packed = np.packbits(bitmap, bitorder="little")  # IDSelectorBitmap reads bit i of byte i//8
        selector = faiss.IDSelectorBitmap(self.size, faiss.swig_ptr(packed))
        if self._ivf is None:
            params = faiss.SearchParameters(sel=selector)
        else:
            # Probe more clusters when the filter is selective, so about as many allowed rows
            # are scanned as an unfiltered search scans rows.
            share = count / self.size
            params = faiss.SearchParametersIVF(
                sel=selector, nprobe=min(self._ivf.nlist, math.ceil(self._ivf.nprobe / share))
            )
        rows, scores = self._faiss_search(query, k, params)
        if rows.size < k:
            # The probed clusters held fewer than k allowed rows: score the allowed rows exactly.
            return self._exact_over(query[0], np.flatnonzero(bitmap), k)
        return rows, scores

    def similarity(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """Cosine between the query and the given rows, in that order."""
        query = normalize_rows(np.asarray(query, dtype=np.float32).reshape(1, -1))[0]
        return self._rows(np.asarray(rows, dtype=np.int64)) @ query

    def vectors(self) -> np.ndarray:
        """Every row's (normalized) vector in row order: an index can be rebuilt from them."""
        if self.size == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._rows(np.arange(self.size, dtype=np.int64))

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, nprobe: int = IVF_NPROBE) -> DenseIndex:
        return cls(faiss.read_index(str(path)), nprobe)

    def _rows(self, rows: np.ndarray) -> np.ndarray:
        if self._vectors is not None:
            return self._vectors[rows]
        if rows.size == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._ivf.reconstruct_batch(rows)

    def _faiss_search(self, query: np.ndarray, k: int, params) -> tuple[np.ndarray, np.ndarray]:
        scores, rows = self._index.search(query, k, params=params)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def _exact_over(self, query: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self._rows(rows) @ query
        best = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
        # Ties go to the lower row, as in FAISS's flat scan, so results are deterministic.
        best = best[np.lexsort((rows[best], -scores[best]))]
        return rows[best], scores[best]


def _trained_ivf(vectors: np.ndarray) -> faiss.IndexIVFFlat:
    nlist = ivf_lists(len(vectors))
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    index = faiss.IndexIVFFlat(quantizer, vectors.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    # k-means on a fixed sample of ~40 points per cluster (FAISS's recommended minimum is 39):
    # training on all of 1M vectors would cost minutes for no measurable recall gain.
    sample_size = min(len(vectors), 40 * nlist)
    sample = np.random.default_rng(0).choice(len(vectors), size=sample_size, replace=False)
    index.train(vectors[np.sort(sample)])
    index.own_fields = True
    quantizer.this.disown()  # the IVF index now owns and frees its quantizer
    return index
