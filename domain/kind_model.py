"""A learned kind classifier, combined with the kind rules: which kind of incident a text tells.

The rules (`kind_rules`) were written by reading published incidents; on incidents nobody had
read they agreed with the published labels less often than on those they were written from. A
logistic regression over the text's character n-grams (TF-IDF) and the rules' own verdicts,
trained on the shipped labelled incidents, carries what the labels teach to new wordings while
keeping what the rules know. It is trained by `bench/train_kinds.py` (cross-validated by
publishing body; figures in its output and the README) and shipped as `models/kinds.npz`.

Inference is plain NumPy, so the product needs no training library. The model decides the main
kind among the labels it was trained on; the rules still list the other kinds, and a main kind
the labels do not have (なりすまし・委任状偽造) stays the rules' decision.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .kinds import KIND_VOCABULARY, OTHER, Kinds

MODEL_FILE = Path(__file__).resolve().parent / "models" / "kinds.npz"
_SPACES = re.compile(r"\s+")
# A fixed guard (not tuned) for free text the rules found no kind in: the model needs P >= 0.5.
MIN_OVER_NOTHING = 0.5


def normalize(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "").lower()).strip()


def char_ngrams(text: str, longest: int) -> Counter[str]:
    text = normalize(text)
    return Counter(text[i : i + n] for n in range(1, longest + 1) for i in range(len(text) - n + 1))


def rule_features(kinds: Kinds, weight: float) -> np.ndarray:
    """One-hot of the rules' main kind, then of every kind they found, each times `weight`."""
    size = len(KIND_VOCABULARY)
    out = np.zeros(2 * size, dtype=np.float32)
    out[KIND_VOCABULARY.index(kinds.main)] = weight
    for kind in kinds.kinds:
        out[size + KIND_VOCABULARY.index(kind)] = weight
    return out


@dataclass(frozen=True)
class Featurizer:
    """TF-IDF over character 1..`longest`-grams (sublinear tf, smoothed idf, l2) + rule verdicts."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    longest: int
    rule_weight: float

    @classmethod
    def fit(cls, texts: Sequence[str], longest: int, rule_weight: float, min_df: int = 2) -> Featurizer:
        df: Counter[str] = Counter()
        for text in texts:
            df.update(char_ngrams(text, longest).keys())
        grams = sorted(g for g, n in df.items() if n >= min_df)
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + df[g])) + 1 for g in grams], dtype=np.float32)
        return cls({g: i for i, g in enumerate(grams)}, idf, longest, rule_weight)

    @property
    def size(self) -> int:
        return len(self.vocabulary) + 2 * len(KIND_VOCABULARY)

    def transform(self, text: str, kinds: Kinds) -> np.ndarray:
        row = np.zeros(self.size, dtype=np.float32)
        for gram, count in char_ngrams(text, self.longest).items():
            column = self.vocabulary.get(gram)
            if column is not None:
                row[column] = (1.0 + math.log(count)) * self.idf[column]
        norm = float(np.linalg.norm(row[: len(self.vocabulary)]))
        if norm:
            row[: len(self.vocabulary)] /= norm
        row[len(self.vocabulary) :] = rule_features(kinds, self.rule_weight)
        return row


@dataclass(frozen=True)
class KindModel:
    featurizer: Featurizer
    classes: tuple[str, ...]
    coef: np.ndarray  # classes x features
    intercept: np.ndarray  # classes
    trained_on: str  # sha256 of the training texts and labels, for the record

    def probabilities(self, text: str, kinds: Kinds) -> np.ndarray:
        scores = self.coef @ self.featurizer.transform(text, kinds) + self.intercept
        if len(scores) == 1 and len(self.classes) == 2:  # a two-class logistic has one row: the second class's logit
            scores = np.array([0.0, scores[0]])
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    def predict(self, text: str, kinds: Kinds) -> str:
        return self.classes[int(np.argmax(self.probabilities(text, kinds)))]

    def combine(self, text: str, kinds: Kinds, free_text: bool = False) -> Kinds:
        """The rules' Kinds with the model's main kind first (unless the rules found a kind the
        model was never taught). `free_text`: a question or draft, which may tell no incident."""
        if kinds.main not in self.classes:
            return kinds
        probabilities = self.probabilities(text, kinds)
        main = self.classes[int(np.argmax(probabilities))]
        if main == kinds.main:
            return kinds
        # Free text where the rules saw no kind at all may tell no incident (「会議の日程が決まった」):
        # the model must then be more sure than not. Not for stored incidents: on the labelled
        # test folds this guard cost 0.057 of agreement (0.794 -> 0.737), all of them incidents.
        if free_text and kinds.main == OTHER and probabilities.max() < MIN_OVER_NOTHING:
            return kinds
        rest = tuple(k for k in kinds.kinds if k != main and k in KIND_VOCABULARY and k != "その他")
        return Kinds(kinds=(main, *rest), medium=kinds.medium, contractor=kinds.contractor)

    def save(self, path: Path) -> None:
        f = self.featurizer
        grams = sorted(f.vocabulary, key=f.vocabulary.__getitem__)
        np.savez_compressed(
            path,
            grams=np.array(grams, dtype=str),
            idf=f.idf,
            longest=np.array(f.longest),
            rule_weight=np.array(f.rule_weight, dtype=np.float32),
            classes=np.array(self.classes, dtype=str),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            vocabulary=np.array(KIND_VOCABULARY, dtype=str),
            trained_on=np.array(self.trained_on),
        )

    @classmethod
    def load(cls, path: Path) -> KindModel:
        with np.load(path, allow_pickle=False) as data:
            if tuple(str(v) for v in data["vocabulary"]) != KIND_VOCABULARY:
                raise ValueError(f"{path}: trained with another kind vocabulary; retrain (bench/train_kinds.py)")
            grams = [str(g) for g in data["grams"]]
            featurizer = Featurizer(
                {g: i for i, g in enumerate(grams)}, data["idf"].astype(np.float32), int(data["longest"]),
                float(data["rule_weight"]),
            )  # fmt: skip
            return cls(
                featurizer,
                tuple(str(c) for c in data["classes"]),
                data["coef"].astype(np.float32),
                data["intercept"].astype(np.float32),
                str(data["trained_on"]),
            )


def training_fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()


@cache
def shipped_model() -> KindModel | None:
    """The shipped model, or None when it is missing or does not fit this vocabulary (the
    rules then decide alone)."""
    try:
        return KindModel.load(MODEL_FILE)
    except (OSError, ValueError, KeyError):
        return None
