"""「あなたならどうする？」: training cards for new staff, and which measures their answer covers.

A card is a past incident shown without its measures. The trainee writes what they would do;
`covered` then marks, for each real measure, whether the answer already says it. A measure is
covered when one sentence of the answer is close enough to it:

- semantically: cosine of e5 embeddings ("query: " on both sides, as drafting compares two
  measures) at least COVER_THRESHOLD; or
- literally: most of the sentence's character bigrams occur in the measure (at least
  LEXICAL_THRESHOLD of them), for answers that copy a phrase, and for any model whose cosines
  spread differently.

COVER_THRESHOLD was measured on 21 hand-made (answer sentence, measure) pairs with
multilingual-e5-small (see tests/test_training.py for the seed check). Pairs that say the same
action scored 0.83–0.944 (10 of 11 at ≥ 0.908: 研修, 委託先への指導, 施錠保管, パスワード, 本人確認,
チェックシート, 宛名の複数人確認); pairs that do not scored 0.80–0.888, except one near-miss at 0.939
(「封入前に別の職員が宛名を確認する」 against a mail two-person check: the same act on another
channel). 0.90 sits in the gap between 0.888 and 0.908: 10/11 found, 1/10 falsely marked.
e5's cosines crowd into 0.8–0.95, so the threshold is high; a short vague answer
(「気をつける」) stays below it against every measure.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence

import numpy as np

from data.records import Incident
from index.embedder import QUERY, Embedder
from index.filters import Filters
from index.lexical import char_ngrams

COVER_THRESHOLD = 0.90
LEXICAL_THRESHOLD = 0.6
MIN_LEXICAL_BIGRAMS = 4  # 「確認」 alone must not cover every measure that says 確認

# Sentence ends, line breaks and list marks: trainees write in lines and bullets as often as in 。.
_SENTENCE_BREAK = re.compile(r"[。！？!?\n\r]+|[①-⑳]")
_TRIM = " 　、,・-*●○"  # spaces, commas and bullet marks around a sentence


def pick_cards(incidents: Iterable[Incident], filters: Filters | None = None, seed: int = 0) -> list[Incident]:
    """The incidents to practise on: those passing the filters that HAVE measures, in a seeded order.

    The order depends only on the seed and the set of incidents (not on the order they came
    in), so a session keeps its order across reruns and a test can fix it.
    """
    filters = filters or Filters()
    cards = sorted(
        (inc for inc in incidents if inc.measures and filters.matches(inc)),
        key=lambda inc: (inc.source, inc.id),
    )
    random.Random(seed).shuffle(cards)
    return cards


def sentences(text: str) -> list[str]:
    """The answer split into sentences and list items, blanks dropped."""
    parts = (part.strip(_TRIM) for part in _SENTENCE_BREAK.split(text or ""))
    return [part for part in parts if part]


def _unit(vectors) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def lexical_containment(sentence: str, measure: str) -> float:
    """Share of the sentence's distinct bigrams found in the measure (0 for very short sentences)."""
    grams = set(char_ngrams(sentence, (2,)))
    if len(grams) < MIN_LEXICAL_BIGRAMS:
        return 0.0
    return len(grams & set(char_ngrams(measure, (2,)))) / len(grams)


def coverage_scores(answer_text: str, measures: Sequence[str], embedder: Embedder) -> list[float]:
    """For each measure, the best cosine between it and any sentence of the answer (0 when none)."""
    parts = sentences(answer_text)
    if not parts or not measures:
        return [0.0] * len(measures)
    vectors = _unit(embedder.embed([*parts, *measures], QUERY))
    answer, targets = vectors[: len(parts)], vectors[len(parts) :]
    return [float(x) for x in (targets @ answer.T).max(axis=1)]


def covered(
    answer_text: str,
    measures: Sequence[str],
    embedder: Embedder,
    threshold: float = COVER_THRESHOLD,
) -> list[bool]:
    """Which measures the trainee's answer already covers, one flag per measure."""
    parts = sentences(answer_text)
    scores = coverage_scores(answer_text, measures, embedder)
    return [
        score >= threshold or any(lexical_containment(part, measure) >= LEXICAL_THRESHOLD for part in parts)
        for score, measure in zip(scores, measures, strict=True)
    ]


def tally(done: dict[str, tuple[int, int]]) -> tuple[int, int, int]:
    """(cards checked, measures covered, measures in all) over a session's {card: (covered, total)}."""
    return len(done), sum(c for c, _ in done.values()), sum(t for _, t in done.values())
