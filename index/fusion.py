"""Reciprocal-rank fusion of several rankings into one."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

# RRF constant (Cormack, Clarke & Büttcher 2009). 60 is the published default; it damps the
# gap between rank 1 and rank 2 so that neither leg can dominate on its own. Our dev set is 16
# queries, far too few to tune k without overfitting; on it k=60 already puts the hybrid
# ahead of both legs (see README, "Quality").
RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Hashable]], k: int = RRF_K) -> list[tuple[Hashable, float]]:
    """Fuse rankings (best first) into (item, score) pairs, best first.

    score(d) = sum over rankings of 1 / (k + rank_d), rank starting at 1. Ties keep the
    order in which items were first seen, so the result is deterministic.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    scores: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))
