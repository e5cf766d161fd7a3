"""BM25 over character 1- and 2-grams, plus a field of domain concepts: the lexical leg.

Japanese has no spaces, so a whitespace tokenizer would see one token per sentence and score
everything 0; character n-grams need no dictionary and measured best on our data (word
tokens from SudachiPy, 3-grams and bigrams alone all measured lower: see bench/quality.py).

Two BM25 indexes answer together:
- text: n-grams of the description and measures. A question's own n-grams weigh 1; the
  n-grams of its expansion terms (index/synonyms.py) weigh `expansion_weight`.
- concepts: one token per notion of the variant dictionary that the description mentions
  (§誤封入, §紛失, ...), weighted `concept_weight`. It lets two wordings of one kind of incident
  meet even when they share no characters (「封入誤り」 and 「一緒に入っていた」).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from .synonyms import EXPANSION_WEIGHT, concept_tokens, dictionary_fingerprint

NGRAM_SIZES = (1, 2)

# Weight of the concept field against the text field. Chosen on the decide half of the dev
# sets among 2 / 3 / 4 (bench/quality.py); concept idf is low for common notions, so a
# weight above 1 is needed for a shared kind of incident to matter against dozens of n-grams.
CONCEPT_WEIGHT = 4.0

# Query tokens found in more than this share of the documents are left out of the score: their
# idf is below log 2 (Lucene BM25), a tenth of a rare token's, yet at 100k documents they made up
# over half of the postings a question reads. On the decide half of the dev sets (hybrid nDCG@10)
# 0.5 measured 0.992 / 0.839 against 0.992 / 0.835 with every token; 0.3 and below lost on the seed
# set (bench/quality.py has the sets; bench/scale.py the latency).
MAX_DF_SHARE = 0.5

# Written next to the BM25 files with the n-gram sizes and the dictionary's fingerprint, and
# checked on load: bump it whenever tokenization or the fields change, so a saved index built
# the old way is rebuilt (load raises ValueError, which the storage layer turns into a rebuild).
LEXICAL_VERSION = 2
VERSION_FILE = "zenrei-lexical.json"
TEXT_DIR = "text"
CONCEPT_DIR = "concepts"

# bm25s drops a document with no token and shifts the ids after it: give every one a token.
_EMPTY = "\u2205"


@dataclass(frozen=True)
class LexicalDocument:
    """What the lexical leg indexes for one incident.

    `text` is searched by n-grams; `concept_source` is where the concepts are read from. The
    description alone measured better than description + measures for concepts: measures
    mention other kinds of incident in passing ("FAXを使用する場合は…").
    """

    text: str
    concept_source: str


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


def lexical_configuration() -> dict[str, object]:
    """What identifies how a saved lexical index was built."""
    return {"version": LEXICAL_VERSION, "ngrams": list(NGRAM_SIZES), "dictionary": dictionary_fingerprint()}


def _is_kana_unigram(token: str) -> bool:
    return len(token) == 1 and "\u3040" <= token <= "\u309f"


def expansion_ngrams(terms: Sequence[str]) -> list[str]:
    """N-grams of expansion terms, without single hiragana.

    A wording like 「一緒に入」 would otherwise add に, a particle found in every report; the
    question's own particles are kept, as before, since BM25's idf already makes them cheap.
    """
    return [t for term in terms for t in char_ngrams(term) if not _is_kana_unigram(t)]


def _build_bm25(token_lists: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25()
    model.index([tokens or [_EMPTY] for tokens in token_lists], show_progress=False)
    return model


def _bm25_scores(model: bm25s.BM25, weighted: Sequence[tuple[Sequence[str], float]], size: int) -> np.ndarray:
    """Sum over (tokens, weight) groups of weight * BM25(tokens), in one pass.

    Reads bm25s's precomputed per-token score columns directly, so the question's own n-grams
    and its expansions are added in one np.add.at instead of one get_scores call each. A token
    repeated in the query counts as often as it occurs, as in bm25s. (bm25s raises IndexError
    on a query with no known tokens; here that is zeros.)
    """
    vocab = model.vocab_dict
    weights: dict[int, float] = {}
    for tokens, weight in weighted:
        if not weight:
            continue
        for token in tokens:
            token_id = vocab.get(token)
            if token_id is not None:
                weights[token_id] = weights.get(token_id, 0.0) + weight
    scores = np.zeros(size, dtype=np.float32)
    if not weights or size == 0:
        return scores
    data, indices, indptr = model.scores["data"], model.scores["indices"], model.scores["indptr"]
    limit = MAX_DF_SHARE * size
    columns = [(indptr[t], indptr[t + 1], w) for t, w in weights.items() if indptr[t + 1] - indptr[t] <= limit]
    if columns:
        rows = np.concatenate([indices[a:b] for a, b, _ in columns])
        values = np.concatenate([data[a:b] * np.float32(w) for a, b, w in columns])
        np.add.at(scores, rows, values)
    return scores


class LexicalIndex:
    """BM25 over documents given as plain strings or LexicalDocuments."""

    def __init__(self, text: bm25s.BM25, concepts: bm25s.BM25, size: int):
        self._text = text
        self._concepts = concepts
        self.size = size

    @classmethod
    def build(cls, documents: Sequence[str | LexicalDocument]) -> LexicalIndex:
        """Index the documents; a plain string is both the text and the concept source."""
        docs = [d if isinstance(d, LexicalDocument) else LexicalDocument(d, d) for d in documents]
        text = _build_bm25([char_ngrams(d.text) for d in docs])
        concepts = _build_bm25([concept_tokens(d.concept_source) for d in docs])
        return cls(text, concepts, len(docs))

    def scores(
        self,
        query: str,
        expansions: Sequence[str] = (),
        expansion_weight: float = EXPANSION_WEIGHT,
        concept_weight: float = CONCEPT_WEIGHT,
    ) -> np.ndarray:
        """Score of every document for the query (zeros when nothing matches).

        BM25(query n-grams) + expansion_weight * BM25(expansion n-grams)
        + concept_weight * BM25(the query's concepts). With no expansions and a concept weight
        of 0 this is plain BM25 over the query's n-grams.
        """
        text = [(char_ngrams(query), 1.0)]
        if expansions and expansion_weight:
            text.append((expansion_ngrams(expansions), expansion_weight))
        total = _bm25_scores(self._text, text, self.size)
        if concept_weight:
            total += _bm25_scores(self._concepts, [(concept_tokens(query), concept_weight)], self.size)
        return total

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self._text.save(str(directory / TEXT_DIR), show_progress=False)
        self._concepts.save(str(directory / CONCEPT_DIR), show_progress=False)
        (directory / VERSION_FILE).write_text(json.dumps(lexical_configuration()), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        """Load a saved index; ValueError if it was built another way (version, n-grams or
        dictionary), so the caller rebuilds it instead of ranking with stale concepts."""
        directory = Path(directory)
        try:
            saved = json.loads((directory / VERSION_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"{directory}: no lexical configuration (written before version {LEXICAL_VERSION})"
            ) from exc
        expected = lexical_configuration()
        if saved != expected:
            raise ValueError(f"{directory}: lexical configuration {saved!r}, expected {expected!r}")
        text = bm25s.BM25.load(str(directory / TEXT_DIR), show_progress=False, allow_pickle=False)
        concepts = bm25s.BM25.load(str(directory / CONCEPT_DIR), show_progress=False, allow_pickle=False)
        return cls(text, concepts, size)
