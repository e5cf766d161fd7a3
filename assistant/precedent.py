"""Is there a close precedent at all? An honest "no" before the nearest (distant) cases.

The raw e5 cosine does not separate the two: questions with no precedent reach 0.84–0.90,
real matches start at 0.83 (short keyword questions score lower than long narratives). What
separates them better is the cosine together with how much of the question's wording the
best cases share (character bigrams): a question with no precedent finds cases that are
"about the same office" but share little of what happened.

Thresholds were chosen on the odd-numbered queries of data/eval (dev_queries*.jsonl and the
self-written no_precedent_extra.jsonl) and checked on the even-numbered ones; see README.
They belong to the model they were measured with: another model gets no verdict.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from index.lexical import char_ngrams
from index.offline_model import DEFAULT_MODEL_ID
from index.searcher import Hit


@dataclass(frozen=True)
class Thresholds:
    floor: float  # below this cosine nothing is close, whatever the wording
    shaky: float  # below this cosine the wording must also be shared ...
    coverage: float  # ... by at least this share of the question's bigrams


THRESHOLDS = {DEFAULT_MODEL_ID: Thresholds(floor=0.83, shaky=0.895, coverage=0.35)}

# Character-bigram coverage means nothing for a question in English against Japanese cases.
_MAX_ASCII_SHARE = 0.5


@dataclass(frozen=True)
class Closeness:
    distant: bool  # True: no close precedent; the hits are only the nearest there are
    similarity: float  # best cosine among the hits
    coverage: float  # best share of the question's bigrams found in one case


def coverage(question: str, hit: Hit) -> float:
    wanted = char_ngrams(question, (2,))
    if not wanted:
        return 0.0
    have = set(char_ngrams(" ".join([hit.incident.description, *hit.incident.measures]), (2,)))
    return sum(gram in have for gram in wanted) / len(wanted)


def judge(question: str, hits: Sequence[Hit], model_id: str) -> Closeness | None:
    """None when there is nothing to judge or no calibration for this model."""
    limits = THRESHOLDS.get(model_id)
    if limits is None or not hits or not question:
        return None
    best = max(hit.similarity for hit in hits)
    shared = max(coverage(question, hit) for hit in hits)
    ascii_share = sum(ch.isascii() for ch in question) / len(question)
    if ascii_share > _MAX_ASCII_SHARE:
        return Closeness(distant=False, similarity=best, coverage=shared)
    distant = best < limits.floor or (best < limits.shaky and shared < limits.coverage)
    return Closeness(distant=distant, similarity=best, coverage=shared)


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


def label_hits(question: str, hits: Sequence[Hit], model_id: str) -> tuple[Hit, ...]:
    """The hits, in their ranked order, with their closeness; a case is never labelled closer
    than the one above it, so the cards read in the order of the label they show (and
    「もっと見せて」 continues the same order)."""
    calibration = calibration_for(model_id)
    if calibration is None or not question:
        return tuple(hits)
    labelled, farthest = [], 0
    for hit in hits:
        farthest = max(farthest, LEVELS.index(calibration.level(question, hit)))
        labelled.append(replace(hit, closeness=LEVELS[farthest]))
    return tuple(labelled)


def no_close_precedent(question: str, hits: Sequence[Hit], model_id: str) -> bool | None:
    """True when not even the best of `hits` (an unfiltered search) is near; None: no verdict."""
    calibration = calibration_for(model_id)
    if calibration is None or not hits or not question:
        closeness = judge(question, hits, model_id)
        return None if closeness is None else closeness.distant
    return max(calibration.probability(question, h) for h in hits) < calibration.near
