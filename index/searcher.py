"""The search facade: dense and lexical legs over one corpus, fused, with filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from data.records import Incident

from .dense import DenseIndex
from .embedder import QUERY, Embedder
from .filters import Filters
from .fusion import reciprocal_rank_fusion
from .lexical import LexicalIndex

METHODS = ("hybrid", "dense", "lexical")

# How deep each leg looks before fusion. Far beyond any top_k a person reads; RRF needs the
# ranks of items that one leg places low but the other high.
CANDIDATE_DEPTH = 100


@dataclass(frozen=True)
class Hit:
    """One incident returned for a question. Every search path returns these."""

    incident: Incident
    rank: int  # 1-based
    score: float  # the score the method ranked by (RRF for hybrid, cosine or BM25 otherwise)
    similarity: float  # cosine between the question and the incident's description
    lexical_score: float  # BM25 over description + measures


@dataclass(frozen=True)
class MeasureHit:
    """One prevention measure close to a question, with the incident it belongs to."""

    incident: Incident
    measure_index: int
    text: str
    similarity: float


def lexical_document(incident: Incident) -> str:
    # BM25 does better with the measures included (they repeat the incident's vocabulary).
    return "\n".join([incident.description, *incident.measures])


class Searcher:
    def __init__(
        self,
        incidents: Sequence[Incident],
        embedder: Embedder,
        descriptions: DenseIndex,
        lexical: LexicalIndex,
        measures: DenseIndex,
        measure_owner: np.ndarray,
    ):
        if descriptions.size != len(incidents) or lexical.size != len(incidents):
            raise ValueError("index sizes do not match the incidents")
        self.incidents = tuple(incidents)
        self.embedder = embedder
        self.descriptions = descriptions
        self.lexical = lexical
        self.measures = measures
        self.measure_owner = measure_owner  # row -> (incident position, measure position)

    def search(
        self,
        query: str,
        top_k: int = 5,
        filters: Filters | None = None,
        method: str = "hybrid",
    ) -> list[Hit]:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        filters = filters or Filters()
        allowed = None if filters.is_empty else filters.allowed(self.incidents)
        if top_k <= 0 or (allowed is not None and not allowed):
            return []
        depth = max(CANDIDATE_DEPTH, top_k)

        query_vector = self.embedder.embed([query], QUERY)[0]
        bm25 = self.lexical.scores(query)

        dense_rows, dense_scores = self.descriptions.search(query_vector, depth, allowed)
        dense_ranking = [int(r) for r in dense_rows]
        lexical_ranking = _lexical_ranking(bm25, allowed, depth)

        if method == "dense":
            ranked = [(r, float(s)) for r, s in zip(dense_ranking, dense_scores, strict=False)]
        elif method == "lexical":
            ranked = [(r, float(bm25[r])) for r in lexical_ranking]
            # Incidents with no shared n-gram still fill the list, in dense order, so a
            # filtered search returns top_k whenever that many incidents pass the filter.
            seen = set(lexical_ranking)
            ranked += [(r, 0.0) for r in dense_ranking if r not in seen]
        else:
            ranked = reciprocal_rank_fusion([dense_ranking, lexical_ranking])

        ranked = ranked[:top_k]
        # Hits found only by the lexical leg still get their true similarity figure.
        cosines = self.descriptions.similarity(query_vector, [row for row, _ in ranked])
        return [
            Hit(
                incident=self.incidents[row],
                rank=rank,
                score=float(score),
                similarity=float(cosine),
                lexical_score=float(bm25[row]),
            )
            for rank, ((row, score), cosine) in enumerate(zip(ranked, cosines, strict=False), start=1)
        ]

    def search_measures(self, query: str, top_k: int = 10, filters: Filters | None = None) -> list[MeasureHit]:
        """Individual measures closest to the question (for drafting and measure search)."""
        filters = filters or Filters()
        if self.measures.size == 0 or top_k <= 0:
            return []
        allowed = None
        if not filters.is_empty:
            ok = set(filters.allowed(self.incidents))
            allowed = [row for row, (owner, _) in enumerate(self.measure_owner) if int(owner) in ok]
        query_vector = self.embedder.embed([query], QUERY)[0]
        rows, scores = self.measures.search(query_vector, top_k, allowed)
        hits = []
        for row, score in zip(rows, scores, strict=False):
            owner, position = (int(x) for x in self.measure_owner[row])
            incident = self.incidents[owner]
            hits.append(MeasureHit(incident, position, incident.measures[position], float(score)))
        return hits


def _lexical_ranking(scores: np.ndarray, allowed: Sequence[int] | None, depth: int) -> list[int]:
    """Rows with a positive BM25 score, best first; rows with no shared n-gram are not ranked."""
    candidates = np.arange(scores.size) if allowed is None else np.asarray(allowed, dtype=np.int64)
    candidates = candidates[scores[candidates] > 0]
    # Stable sort so equal scores keep corpus order (deterministic results).
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    return [int(r) for r in order[:depth]]
