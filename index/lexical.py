"""BM25 over character 1- and 2-grams: the lexical leg.

Japanese has no spaces, so a whitespace tokenizer would see one token per sentence and score
everything 0; character n-grams need no dictionary and measured best on our data.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

NGRAM_SIZES = (1, 2)


def _is_separator(ch: str) -> bool:
    # Punctuation and spaces carry no meaning for matching and would make noisy n-grams.
    cat = unicodedata.category(ch)
    return cat[0] in "PZC" or ch.isspace()


def char_ngrams(text: str, sizes: Sequence[int] = NGRAM_SIZES) -> list[str]:
    """NFKC-normalized, lower-cased character n-grams, never spanning punctuation or spaces."""
    normalized = unicodedata.normalize("NFKC", text).lower()
    runs: list[str] = []
    current: list[str] = []
    for ch in normalized:
        if _is_separator(ch):
            if current:
                runs.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        runs.append("".join(current))
    grams: list[str] = []
    for run in runs:
        for n in sizes:
            grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


class LexicalIndex:
    """A BM25 index over documents given as plain strings."""

    def __init__(self, model: bm25s.BM25, size: int):
        self._model = model
        self.size = size

    @classmethod
    def build(cls, documents: Sequence[str]) -> LexicalIndex:
        model = bm25s.BM25()
        # An empty document still needs one token, or bm25s drops its row and shifts the ids.
        tokens = [char_ngrams(doc) or ["\u2205"] for doc in documents]
        model.index(tokens, show_progress=False)
        return cls(model, len(documents))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for the query (zeros when nothing matches)."""
        vocab = self._model.vocab_dict
        tokens = [t for t in char_ngrams(query) if t in vocab]
        if not tokens or self.size == 0:
            # bm25s raises IndexError on a query with no known tokens.
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(tokens), dtype=np.float32)

    def save(self, directory: Path) -> None:
        self._model.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        model = bm25s.BM25.load(str(directory), show_progress=False, allow_pickle=False)
        return cls(model, size)
