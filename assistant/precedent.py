"""How close each case is, and is there a close precedent at all? An honest "no" first.

The raw e5 cosine does not separate the two: questions with no precedent reach 0.84–0.90,
real matches start at 0.83 (short keyword questions score lower than long narratives). What
separates them better is the cosine together with how much of the question's wording the case
shares (character bigrams) and its rank. A logistic regression over those three gives
P(the case is relevant); its coefficients and the two thresholds (`near`, `close`) were fitted
on training folds grouped by publishing body and checked on the test folds
(bench/calibrate_closeness.py, assistant/closeness.json). They belong to the model they were
measured with: another model gets no labels and no verdict, and so does a question mostly in
ASCII (bigrams of an English question mean nothing against Japanese cases).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from index.lexical import char_ngrams
from index.searcher import Hit

# Character-bigram coverage means nothing for a question in English against Japanese cases.
_MAX_ASCII_SHARE = 0.5


def coverage(question: str, hit: Hit) -> float:
    wanted = char_ngrams(question, (2,))
    if not wanted:
        return 0.0
    have = set(char_ngrams(" ".join([hit.incident.description, *hit.incident.measures]), (2,)))
    return sum(gram in have for gram in wanted) / len(wanted)


# --- closeness labels, calibrated on held-out folds (bench/calibrate_closeness.py) ----------------

CALIBRATION_FILE = Path(__file__).resolve().parent / "closeness.json"
LEVELS = ("close", "near", "distant")
LEVEL_LABELS = {"close": "とても近い", "near": "近い", "distant": "参考"}


@dataclass(frozen=True)
class Calibration:
    coef: tuple[float, ...]  # over (cosine, bigram coverage, 1/rank)
    intercept: float
    near: float  # P(relevant) from which a case is "near"; below it, "distant"
    close: float  # P(relevant) from which a case is "close"

    def probability(self, question: str, hit: Hit) -> float:
        x = (hit.similarity, coverage(question, hit), 1.0 / max(hit.rank, 1))
        z = self.intercept + sum(c * v for c, v in zip(self.coef, x, strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def level(self, question: str, hit: Hit) -> str:
        p = self.probability(question, hit)
        return "close" if p >= self.close else "near" if p >= self.near else "distant"


@cache
def calibration_for(model_id: str) -> Calibration | None:
    """The calibration measured for this model, or None (another model gets no labels)."""
    try:
        entry = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")).get(model_id)
    except (OSError, ValueError):
        return None
    if not entry:
        return None
    return Calibration(tuple(entry["coef"]), float(entry["intercept"]), float(entry["near"]), float(entry["close"]))


def _applicable(question: str, model_id: str) -> Calibration | None:
    """The calibration, where it means something for this question and model."""
    if not question or sum(ch.isascii() for ch in question) / len(question) > _MAX_ASCII_SHARE:
        return None
    return calibration_for(model_id)


def label_hits(question: str, hits: Sequence[Hit], model_id: str) -> tuple[Hit, ...]:
    """The hits, in their ranked order, with their closeness; a case is never labelled closer
    than the one above it, so the cards read in the order of the label they show (and
    「もっと見せて」 continues the same order)."""
    calibration = _applicable(question, model_id)
    if calibration is None:
        return tuple(hits)
    labelled, farthest = [], 0
    for hit in hits:
        farthest = max(farthest, LEVELS.index(calibration.level(question, hit)))
        labelled.append(replace(hit, closeness=LEVELS[farthest]))
    return tuple(labelled)


def no_close_precedent(question: str, hits: Sequence[Hit], model_id: str) -> bool | None:
    """True when not even the best of `hits` (an unfiltered search) is near; None: no verdict."""
    calibration = _applicable(question, model_id)
    if calibration is None or not hits:
        return None
    return max(calibration.probability(question, h) for h in hits) < calibration.near
