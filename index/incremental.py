"""Updating a searcher for added, edited or deleted incidents without re-embedding the others.

Embedding is the only expensive step of a build. A vector depends on nothing but its text (and
the prompt), so the vectors already in the searcher are reused for every description whose
text is unchanged; only new or edited texts go to the embedder. The dense index and BM25 are
then rebuilt from the vectors and the text (cheap: BM25 over 10k incidents takes well under a
second).

Incidents are keyed by id (unique within a corpus).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from data.records import Incident

from .dense import DenseIndex
from .lexical import LexicalIndex, _build_bm25, char_ngrams
from .searcher import Searcher, lexical_document
from .storage import DESCRIPTION_PROMPT, _as_matrix
from .synonyms import concept_tokens

# Tokens of documents already seen in this process, by text. Tokenizing (character n-grams and
# the variant dictionary's concepts) is most of the cost of a BM25 build: at 10k incidents about
# 4 of 6 seconds. N-grams are kept joined in one string (a fraction of the memory of a list).
_TOKEN_CACHE_LIMIT = 200_000
_ngram_cache: dict[str, str] = {}
_concept_cache: dict[str, tuple[str, ...]] = {}
_SEP = "\x00"  # never inside a token: char_ngrams splits on control characters


@dataclass(frozen=True)
class UpdateStats:
    reused: int  # texts whose saved vectors were kept
    embedded: int  # texts sent to the embedder


def all_vectors(index: DenseIndex) -> np.ndarray:
    """Every row's vector, in row order (normalized, as stored)."""
    return np.asarray(index.vectors(), dtype=np.float32)


def _vectors_for(
    texts: Sequence[str], known: dict[str, np.ndarray], searcher: Searcher, prompt: str
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`: known ones reused, the rest embedded in one call."""
    dim = searcher.embedder.dim
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    if missing:
        fresh = np.asarray(searcher.embedder.embed(missing, prompt), dtype=np.float32).reshape(-1, dim)
        known = {**known, **dict(zip(missing, fresh, strict=True))}
    if not texts:
        return np.zeros((0, dim), dtype=np.float32), 0
    return np.stack([known[t] for t in texts]), len(missing)


def _cached(cache: dict, key: str, make):
    if key not in cache:
        if len(cache) >= _TOKEN_CACHE_LIMIT:
            cache.clear()  # crude, but bounded; a clear only costs one slower update
        cache[key] = make(key)
    return cache[key]


def lexical_index(incidents: Sequence[Incident]) -> LexicalIndex:
    """LexicalIndex.build over the incidents' documents, reusing tokens of texts seen before."""
    docs = [lexical_document(inc) for inc in incidents]
    ngrams = [_cached(_ngram_cache, d.text, lambda t: _SEP.join(char_ngrams(t))) for d in docs]
    concepts = [_cached(_concept_cache, d.concept_source, lambda t: tuple(concept_tokens(t))) for d in docs]
    text = _build_bm25([joined.split(_SEP) if joined else [] for joined in ngrams])
    return LexicalIndex(text, _build_bm25([list(c) for c in concepts]), len(docs))


def sync(searcher: Searcher, incidents: Sequence[Incident]) -> tuple[Searcher, UpdateStats]:
    """A searcher over exactly `incidents` (in that order), embedding only texts it lacks."""
    old = searcher.incidents
    description_known = dict(zip((inc.description for inc in old), all_vectors(searcher.descriptions), strict=True))
    descriptions, embedded = _vectors_for(
        [inc.description for inc in incidents], description_known, searcher, DESCRIPTION_PROMPT
    )
    dim = searcher.embedder.dim
    updated = Searcher(
        incidents,
        searcher.embedder,
        DenseIndex.build(_as_matrix(descriptions, dim)),
        lexical_index(incidents),
        searcher.ranking,
    )
    updated.keep_concept_vectors(searcher)  # same model: the dictionary's vectors still hold
    return updated, UpdateStats(reused=max(len(incidents) - embedded, 0), embedded=embedded)
