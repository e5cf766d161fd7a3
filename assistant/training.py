"""「あなたならどうする？」: training cards for new staff, and which measures their answer covers.

A card is a past incident shown without its measures. The trainee writes what they would do;
`covered` then marks, for each real measure, whether the answer already says it. A measure is
covered when one sentence of the answer says the same act on the same channel:

- semantically: the cosine of e5 embeddings ("query: " on both sides, as drafting compares two
  measures) between the sentence and the measure, or any run of one to three of its clauses, is
  at least COVER_THRESHOLD. Published measures often join several acts in one sentence
  (「発送者リストの確認作業を強化し、文書の作成、封入時の二重チェックを徹底する。」): an answer
  that says one of them is compared with that part, not drowned by the rest; or
- literally: most of the sentence's character bigrams occur in the measure (at least
  LEXICAL_THRESHOLD of them), for answers that copy a phrase;
- and never across channels: a sentence about mail (封入・封筒) does not cover a measure about
  email, FAX, the telephone or the counter that does not also name the sentence's channel —
  e5 puts 「封入前に別の職員が宛名を確認する」 and a two-person check of email at 0.93.

Measured with bench/coverage.py on 88 hand-labelled (answer, measure, covered?) pairs in
tests/data/coverage_pairs.tsv (48 covered, 40 not; paraphrases and near misses), the threshold
chosen on one half (0.9025) and checked on the other: agreement with the labels 0.955 on the
held-out half (κ 0.91, precision 1.00, recall 0.92), against 0.932 for the whole-measure rule
without the channel check (0.875 vs 0.955 over all 88 pairs).
e5's cosines crowd into 0.8–0.95, so the threshold is high; a short vague answer
(「気をつける」) stays below it against every measure.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

from data.records import Incident
from index.embedder import QUERY, Embedder
from index.filters import Filters
from index.lexical import char_ngrams

COVER_THRESHOLD = 0.9025  # chosen on half of the labelled pairs (bench/coverage.py)
LEXICAL_THRESHOLD = 0.6
MIN_LEXICAL_BIGRAMS = 4  # 「確認」 alone must not cover every measure that says 確認
MAX_CLAUSES = 3  # a part of a measure: up to three consecutive clauses
MIN_PART_CHARS = 6  # shorter clauses (「文書の作成」) say no act of their own

# The channel an act is done on. Patterns on NFKC, case-folded text.
CHANNELS: dict[str, re.Pattern[str]] = {
    "郵送": re.compile(r"封入|封筒|封緘|封かん|封印|封をする|郵送|郵便|宛名ラベル"),
    "メール": re.compile(r"メール|e-?mail|bcc|添付"),
    "FAX": re.compile(r"fax|ファクス|ファックス"),
    "電話": re.compile(r"電話"),
    "窓口": re.compile(r"窓口"),
    "Web": re.compile(r"ホームページ|hp|web|ウェブ|サイト|掲載"),
}
_CLAUSE_BREAK = re.compile(r"[、，,。]")

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


def channels(text: str) -> frozenset[str]:
    """The channels (郵送, メール, FAX, 電話, 窓口, Web) a text names."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return frozenset(name for name, pattern in CHANNELS.items() if pattern.search(folded))


def same_channel(sentence: str, measure: str) -> bool:
    """False when both name channels and share none: the same act elsewhere is another measure."""
    said, meant = channels(sentence), channels(measure)
    return not (said and meant) or bool(said & meant)


def measure_parts(measure: str) -> list[str]:
    """The measure and every run of 1–MAX_CLAUSES consecutive clauses of at least MIN_PART_CHARS."""
    clauses = [c.strip() for c in _CLAUSE_BREAK.split(measure) if c.strip()]
    parts = [measure.strip()]
    for start in range(len(clauses)):
        for end in range(start + 1, min(len(clauses), start + MAX_CLAUSES) + 1):
            part = "、".join(clauses[start:end])
            if len(part) >= MIN_PART_CHARS and part not in parts:
                parts.append(part)
    return parts


def _best_scores(answer_text: str, measures: Sequence[str], embedder: Embedder) -> list[list[float]]:
    """For each measure, per answer sentence: the best cosine with the measure or any of its parts."""
    parts = sentences(answer_text)
    if not parts or not measures:
        return [[0.0] * len(parts) for _ in measures]
    pieces = [measure_parts(m) for m in measures]
    flat = [piece for group in pieces for piece in group]
    vectors = _unit(embedder.embed([*parts, *flat], QUERY))
    answer, targets = vectors[: len(parts)], vectors[len(parts) :]
    cosines = targets @ answer.T  # pieces × sentences
    out, row = [], 0
    for group in pieces:
        out.append([float(x) for x in cosines[row : row + len(group)].max(axis=0)])
        row += len(group)
    return out


def coverage_scores(answer_text: str, measures: Sequence[str], embedder: Embedder) -> list[float]:
    """For each measure, the best cosine of an answer sentence on the same channel (0 when none)."""
    parts = sentences(answer_text)
    best = _best_scores(answer_text, measures, embedder)
    return [
        max((score for part, score in zip(parts, row, strict=True) if same_channel(part, measure)), default=0.0)
        for measure, row in zip(measures, best, strict=True)
    ]


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
        score >= threshold
        or any(
            lexical_containment(part, measure) >= LEXICAL_THRESHOLD and same_channel(part, measure) for part in parts
        )
        for score, measure in zip(scores, measures, strict=True)
    ]


def tally(done: dict[str, tuple[int, int]]) -> tuple[int, int, int]:
    """(cards checked, measures covered, measures in all) over a session's {card: (covered, total)}."""
    return len(done), sum(c for c, _ in done.values()), sum(t for _, t in done.values())
