"""How well 答え合わせ decides "the answer already covers this measure", on hand-labelled pairs.

    HF_HUB_OFFLINE=1 python bench/coverage.py [--model DIR] [--pairs FILE]

Reads tests/data/coverage_pairs.tsv ((answer, measure, covered?) written by hand: paraphrases,
near misses on another channel, unrelated acts), splits it in two halves (alternate pairs of
each label, so both halves hold paraphrases and non-matches), chooses the cosine threshold that
agrees best with the labels on the first half, and reports agreement on the second half — for
the rule of assistant.training and for the rule before it (the whole measure only, no channel
check) so the change can be judged. Also prints the pairs the rule gets wrong on the held-out half.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from assistant import training  # noqa: E402
from index.embedder import QUERY, SentenceTransformerEmbedder  # noqa: E402

PAIRS = ROOT / "tests" / "data" / "coverage_pairs.tsv"
GRID = np.round(np.arange(0.85, 0.9501, 0.0025), 4)


@dataclass(frozen=True)
class Pair:
    answer: str
    measure: str
    covered: bool


def read_pairs(path: Path) -> list[Pair]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    return [Pair(r["answer"], r["measure"], r["covered"].strip() == "1") for r in rows]


def halves(pairs: list[Pair]) -> tuple[list[int], list[int]]:
    """Alternate pairs of each label: (choose-on, report-on)."""
    first, second = [], []
    for label in (True, False):
        for n, index in enumerate(i for i, p in enumerate(pairs) if p.covered == label):
            (first if n % 2 == 0 else second).append(index)
    return sorted(first), sorted(second)


def old_rule_scores(pairs: list[Pair], embedder) -> tuple[np.ndarray, np.ndarray]:
    """The rule before: best cosine of a sentence with the whole measure; lexical containment."""
    scores, literal = [], []
    for p in pairs:
        parts = training.sentences(p.answer)
        vectors = training._unit(embedder.embed([*parts, p.measure], QUERY))
        scores.append(float((vectors[:-1] @ vectors[-1]).max()) if parts else 0.0)
        literal.append(any(training.lexical_containment(s, p.measure) >= training.LEXICAL_THRESHOLD for s in parts))
    return np.array(scores), np.array(literal)


def new_rule_scores(pairs: list[Pair], embedder) -> tuple[np.ndarray, np.ndarray]:
    scores, literal = [], []
    for p in pairs:
        parts = training.sentences(p.answer)
        scores.append(training.coverage_scores(p.answer, [p.measure], embedder)[0])
        literal.append(
            any(
                training.lexical_containment(s, p.measure) >= training.LEXICAL_THRESHOLD
                and training.same_channel(s, p.measure)
                for s in parts
            )
        )
    return np.array(scores), np.array(literal)


def agreement(decided: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    tp = int((decided & truth).sum())
    fp = int((decided & ~truth).sum())
    fn = int((~decided & truth).sum())
    n = len(truth)
    accuracy = float((decided == truth).mean())
    # Cohen's kappa: agreement beyond what the two label rates would give by chance.
    chance = decided.mean() * truth.mean() + (1 - decided.mean()) * (1 - truth.mean())
    kappa = (accuracy - chance) / (1 - chance) if chance < 1 else 1.0
    return {
        "n": n,
        "agree": accuracy,
        "kappa": float(kappa),
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


def choose(scores: np.ndarray, literal: np.ndarray, truth: np.ndarray) -> float:
    """The threshold with the best agreement; among equals, the middle one (farthest from both edges)."""
    accuracy = [float((((scores >= t) | literal) == truth).mean()) for t in GRID]
    best = max(accuracy)
    tied = [t for t, a in zip(GRID, accuracy, strict=True) if a == best]
    return float(tied[len(tied) // 2])


def line(name: str, stats: dict[str, float]) -> str:
    return (
        f"  {name:<34} n={stats['n']:>2}  一致率 {stats['agree']:.3f}  κ {stats['kappa']:.3f}  "
        f"適合率 {stats['precision']:.3f}  再現率 {stats['recall']:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="sentence-transformers folder (default: the bundled e5)")
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    args = parser.parse_args()
    if args.model:
        model = args.model
    else:
        from index.offline_model import ensure_default_model

        model = ensure_default_model(Path(tempfile.gettempdir()) / "zenrei-bench-models")
    embedder = SentenceTransformerEmbedder(model)
    pairs = read_pairs(args.pairs)
    truth = np.array([p.covered for p in pairs])
    first, second = halves(pairs)
    print(f"{len(pairs)} pairs ({int(truth.sum())} covered, {int((~truth).sum())} not); model {model.name}")
    print(f"threshold chosen on {len(first)} pairs, reported on the other {len(second)}")
    for name, scorer in (("before (whole measure)", old_rule_scores), ("now (parts + channel)", new_rule_scores)):
        scores, literal = scorer(pairs, embedder)
        chosen = choose(scores[first], literal[first], truth[first])
        print(f"\n{name}: threshold chosen {chosen:.4f} (shipped {training.COVER_THRESHOLD})")
        for label, threshold in ((f"chosen {chosen:.4f}", chosen), (f"shipped {training.COVER_THRESHOLD}", None)):
            t = training.COVER_THRESHOLD if threshold is None else threshold
            decided = (scores >= t) | literal
            print(line(f"choose-on half, {label}", agreement(decided[first], truth[first])))
            print(line(f"held-out half, {label}", agreement(decided[second], truth[second])))
            print(line(f"all pairs, {label}", agreement(decided, truth)))
        decided = (scores >= training.COVER_THRESHOLD) | literal
        wrong = [i for i in second if decided[i] != truth[i]]
        for i in wrong:
            p = pairs[i]
            print(f"    x label {int(p.covered)} score {scores[i]:.3f}: {p.answer} ／ {p.measure[:40]}")


if __name__ == "__main__":
    main()
