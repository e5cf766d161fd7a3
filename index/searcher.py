"""The search facade: dense and lexical legs over one corpus, fused, with filters."""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from data.records import Incident
from domain.kinds import OTHER as OTHER_KIND

from .dense import DenseIndex
from .embedder import QUERY, Embedder
from .filters import FilterColumns, Filters
from .fusion import RRF_K, reciprocal_rank_fusion
from .lexical import CONCEPT_WEIGHT, LexicalDocument, LexicalIndex
from .synonyms import EXPANSION_WEIGHT, GROUPS, expansion_terms, group_text, matched_groups

METHODS = ("hybrid", "dense", "lexical")

# How deep each leg looks before fusion. Far beyond any top_k a person reads; RRF needs the
# ranks of items that one leg places low but the other high.
CANDIDATE_DEPTH = 100

# Weight of the lexical ranking in the fusion (the dense ranking weighs 1). With the variant
# dictionary the lexical leg became the stronger one on the dev sets; 1.5 was best of
# 1 / 1.5 / 2 on their decide half (bench/quality.py).
LEXICAL_FUSION_WEIGHT = 1.5

# Weight of the same-kind ranking, a third list fused with the two legs: the fused candidates
# whose kinds (誤封入, 紛失, ... as annotated on the records) include the main kind of the best
# fused candidate, in fused order. Pseudo-relevance feedback on the kind tag: the reports judged
# relevant to a question are overwhelmingly of the kind of its best match, which neither leg
# sees as such. Chosen on the decide half of the dev sets (bench/quality.py says how).
KIND_FUSION_WEIGHT = 1.0

# A case whose BM25 score is at least this share of the best one's stays in the same-kind list
# whatever its kind: sharing nearly all of the question's wording (a form's name, a phrase)
# makes it as much a precedent as a case of the same kind. Without it, a question naming
# something only two cases of different kinds mention lost the second one below cases that
# merely share the first one's kind.
KIND_LEXICAL_KEEP = 0.8


@dataclass(frozen=True)
class Ranking:
    """How the legs score and how they are fused. The defaults are what `search` uses;
    bench/quality.py switches parts off to measure what each one brings."""

    expansion_weight: float = EXPANSION_WEIGHT  # 0: the lexical leg ignores the variant dictionary
    concept_weight: float = CONCEPT_WEIGHT  # 0: no concept field in the lexical leg
    # The dense leg searches with the question's vector plus the mean vector of the dictionary
    # groups it mentions (each group's wordings embedded once): e5 then sees 誤封入 even when the
    # person wrote 「一緒に入っていた」. Embedding "question + every expansion term" instead measured
    # the same (bench/quality.py) but cost a second, long text per question (p95 55 vs 22 ms).
    dense_variant: bool = True
    lexical_weight: float = LEXICAL_FUSION_WEIGHT
    kind_weight: float = KIND_FUSION_WEIGHT  # 0: no same-kind ranking in the fusion
    rrf_k: int = RRF_K


# The ranking before the variant dictionary: plain n-gram BM25, one embedding, equal RRF.
BASELINE_RANKING = Ranking(
    expansion_weight=0.0, concept_weight=0.0, dense_variant=False, lexical_weight=1.0, kind_weight=0.0
)


@dataclass(frozen=True)
class Hit:
    """One incident returned for a question. Every search path returns these."""

    incident: Incident
    rank: int  # 1-based
    score: float  # the score the method ranked by (RRF for hybrid, cosine or BM25 otherwise)
    similarity: float  # cosine between the question (as written) and the incident's description
    lexical_score: float  # the lexical leg's score: BM25 over description + measures, with expansions and concepts
    # How close the case is, as the answer labels it (assistant/precedent.py): "close", "near",
    # "distant", or None when the model has no calibration.
    closeness: str | None = None


@dataclass(frozen=True)
class Legs:
    """What each leg found for one question, before fusion (rows into the incidents)."""

    query_vector: np.ndarray  # the question as written (the dense leg may search a variant)
    dense: list[int]
    dense_scores: np.ndarray
    lexical: list[int]
    bm25: np.ndarray  # every incident's lexical score


def lexical_document(incident: Incident) -> LexicalDocument:
    # BM25 does better with the measures included (they repeat the incident's vocabulary);
    # concepts are read from the description only (see LexicalDocument).
    return LexicalDocument(
        text="\n".join([incident.description, *incident.measures]), concept_source=incident.description
    )


class Searcher:
    def __init__(
        self,
        incidents: Sequence[Incident],
        embedder: Embedder,
        descriptions: DenseIndex,
        lexical: LexicalIndex,
        ranking: Ranking | None = None,
    ):
        if descriptions.size != len(incidents) or lexical.size != len(incidents):
            raise ValueError("index sizes do not match the incidents")
        self.incidents = tuple(incidents)
        self.embedder = embedder
        self.descriptions = descriptions
        self.lexical = lexical
        self.ranking = ranking or Ranking()
        # Vectors of the dictionary groups, made on first use; shared with with_ranking copies.
        self._concepts: dict[str, np.ndarray] = {}
        self._concepts_lock = threading.Lock()
        self._columns: list[FilterColumns] = []  # made on the first filtered search, shared likewise
        self._columns_lock = threading.Lock()

    def keep_concept_vectors(self, other: Searcher) -> None:
        """Use `other`'s dictionary vectors (made or not yet) when both embed with one model."""
        if other.embedder is self.embedder:
            self._concepts, self._concepts_lock = other._concepts, other._concepts_lock

    def allowed_rows(self, filters: Filters) -> np.ndarray | None:
        """Rows the filters let through (None: all of them), as `legs` takes them."""
        if filters.is_empty:
            return None
        with self._columns_lock:
            if not self._columns:
                self._columns.append(FilterColumns.of(self.incidents))
        return np.flatnonzero(filters.mask(self._columns[0]))

    def concept_vectors(self) -> dict[str, np.ndarray]:
        """Vector of every dictionary group (concept -> vector), embedded in one batch on the
        first call. Opening an engine calls it, so no question pays for it."""
        with self._concepts_lock:
            if not self._concepts:
                vectors = self.embedder.embed([group_text(g) for g in GROUPS], QUERY)
                self._concepts.update(zip((g.concept for g in GROUPS), vectors, strict=True))
            return self._concepts

    def use_concept_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        """Dictionary vectors made earlier with this searcher's model (index/concept_cache.py)."""
        with self._concepts_lock:
            if not self._concepts:  # filled once: searches read the dict without the lock
                self._concepts.update(vectors)

    def with_ranking(self, ranking: Ranking) -> Searcher:
        """The same indexes ranked another way (shares every index; nothing is rebuilt)."""
        other = copy.copy(self)
        other.ranking = ranking
        return other

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
        allowed = self.allowed_rows(filters)
        if top_k <= 0 or (allowed is not None and allowed.size == 0):
            return []
        legs = self.legs(query, allowed, max(CANDIDATE_DEPTH, top_k))
        if method == "dense":
            ranked = [(r, float(s)) for r, s in zip(legs.dense, legs.dense_scores, strict=False)]
        elif method == "lexical":
            ranked = [(r, float(legs.bm25[r])) for r in legs.lexical]
            # Incidents with no shared n-gram still fill the list, in dense order, so a
            # filtered search returns top_k whenever that many incidents pass the filter.
            seen = set(legs.lexical)
            ranked += [(r, 0.0) for r in legs.dense if r not in seen]
        else:
            ranked = self.fuse(legs)
        bm25, query_vector = legs.bm25, legs.query_vector
        ranked = ranked[:top_k]
        # Hits found only by the lexical leg still get their true similarity figure, and it is
        # always the cosine with the question as written, not with its expanded variant.
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

    def legs(self, query: str, allowed: Sequence[int] | None = None, depth: int = CANDIDATE_DEPTH) -> Legs:
        """Both legs' rankings for a question (rows of `allowed` only, when given)."""
        settings = self.ranking
        expansions = expansion_terms(query) if settings.expansion_weight else []
        query_vector = self.embedder.embed([query], QUERY)[0]
        search_vector = query_vector
        groups = matched_groups(query) if settings.dense_variant else []
        if groups:
            concepts = self.concept_vectors()
            # DenseIndex normalizes the query, so this searches by question + the groups' mean.
            search_vector = query_vector + np.mean([concepts[g.concept] for g in groups], axis=0)
        bm25 = self.lexical.scores(
            query,
            expansions if settings.expansion_weight else (),
            expansion_weight=settings.expansion_weight,
            concept_weight=settings.concept_weight,
        )
        dense_rows, dense_scores = self.descriptions.search(search_vector, depth, allowed)
        return Legs(
            query_vector=query_vector,
            dense=[int(r) for r in dense_rows],
            dense_scores=np.asarray(dense_scores),
            lexical=_lexical_ranking(bm25, allowed, depth),
            bm25=bm25,
        )

    def fuse(self, legs: Legs, lexical_weight: float | None = None) -> list[tuple[int, float]]:
        """The hybrid ranking of two legs: weighted RRF, then the same-kind list as a third."""
        settings = self.ranking
        weight = settings.lexical_weight if lexical_weight is None else lexical_weight
        rankings, weights = [legs.dense, legs.lexical], [1.0, weight]
        ranked = reciprocal_rank_fusion(rankings, k=settings.rrf_k, weights=weights)
        same_kind = self._same_kind([row for row, _ in ranked], legs.bm25) if settings.kind_weight else []
        if same_kind:
            rankings.append(same_kind)
            weights.append(settings.kind_weight)
            ranked = reciprocal_rank_fusion(rankings, k=settings.rrf_k, weights=weights)
        return ranked

    def _same_kind(self, fused: Sequence[int], bm25: np.ndarray) -> list[int]:
        """The fused rows whose kinds include the main kind of the first one, or whose BM25
        score nearly matches the best (KIND_LEXICAL_KEEP), in fused order. Empty when the best
        row has no kind (records not annotated) or its kind says nothing (その他)."""
        if not fused:
            return []
        kinds = self.incidents[fused[0]].kinds
        if not kinds or kinds[0] == OTHER_KIND:
            return []
        main = kinds[0]
        best = max(float(bm25[row]) for row in fused)
        keep = KIND_LEXICAL_KEEP * best if best > 0 else np.inf
        return [row for row in fused if main in self.incidents[row].kinds or bm25[row] >= keep]

def _lexical_ranking(scores: np.ndarray, allowed: Sequence[int] | None, depth: int) -> list[int]:
    """Rows with a positive BM25 score, best first; rows with no shared n-gram are not ranked."""
    candidates = np.arange(scores.size) if allowed is None else np.asarray(allowed, dtype=np.int64)
    candidates = candidates[scores[candidates] > 0]
    if candidates.size > depth:
        # Only the best `depth` are ranked: a partition is O(n) where a full sort of 100k rows
        # cost 20 ms. Ties at the cut go to the lowest rows, as the full stable sort would.
        cut = -np.partition(-scores[candidates], depth - 1)[depth - 1]
        above = candidates[scores[candidates] > cut]
        ties = candidates[scores[candidates] == cut][: depth - above.size]
        candidates = np.sort(np.concatenate([above, ties]))
    # Stable sort so equal scores keep corpus order (deterministic results).
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    return [int(r) for r in order[:depth]]
