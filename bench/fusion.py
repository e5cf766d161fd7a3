"""Question-adaptive fusion, cross-validated: does the lexical weight gain from depending on the question?

    python bench/fusion.py           # tables; JSON in bench/out/fusion.json

The default hybrid fuses the dense and lexical rankings with RRF, the lexical one weighing 1.5
(index/searcher.py). An adaptive fusion picks the weight per question from something the
question shows before any answer is read:
  length         characters of the question (a typed line vs a pasted report),
  agreement      share of the two legs' top 10 they have in common,
  dense top      cosine of the dense leg's best case,
  lexical cover  share of the question's character bigrams found in the lexical leg's best case.
A rule is one feature, one threshold and two weights (below / at or above the threshold). On
each fold the constant weight and the best rule are chosen on the training folds' questions
only (every query set weighs the same; grid: weights 0.5–4, thresholds at the training
deciles), then scored on the test fold. Reported: nDCG@10 on test folds [bootstrap 95%], and
the paired difference from the shipped constant 1.5.

Legs are computed once per question and fold (Searcher.legs); only the fusion is redone per
weight. Each fold's corpus carries the kinds of a kind model trained on that fold's training side
(as in bench/quality.py), since the same-kind list reads kinds and the shipped model saw every label.
Embeddings are cached in bench/out/embeddings/ (shared with bench/quality.py).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import crossval  # noqa: E402
from assistant.evaluation import ndcg_at  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from index.searcher import LEXICAL_FUSION_WEIGHT  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from quality import base_embedder, kinds_per_fold  # noqa: E402

OUT = ROOT / "bench" / "out"
WEIGHTS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
FEATURES = ("length", "agreement", "dense top", "lexical cover")
CUTOFF = 10


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace()]
    return {a + b for a, b in itertools.pairwise(chars)}


@dataclass
class Question:
    set_name: str
    qid: str
    fold: int
    features: dict[str, float]
    ndcg: dict[float, float]  # lexical weight -> nDCG@10


def measure_questions(embedder, benchmark, relabel=None) -> list[Question]:
    """Every question's features and nDCG@10 per weight; with `relabel`, over the corpus as that
    re-annotates it (a fold's own kind model: the same-kind list reads kinds)."""
    out = []
    for name, query_set in benchmark.sets.items():
        corpus = relabel(query_set.corpus) if relabel else query_set.corpus
        excluding = crossval.SelfExcluding(crossval.build_eval_searcher(corpus, embedder))
        searcher = excluding.searcher
        embedder.embed([q.text for q in query_set.queries], "query")  # one batch into the cache
        for q in query_set.queries:
            legs = searcher.legs(q.text, searcher.allowed_rows(excluding.filters_without(q.exclude)))
            top_dense, top_lexical = legs.dense[:CUTOFF], legs.lexical[:CUTOFF]
            question_bigrams = _bigrams(q.text)
            best_lexical = searcher.incidents[legs.lexical[0]] if legs.lexical else None
            cover = 0.0
            if best_lexical is not None and question_bigrams:
                cover = len(question_bigrams & _bigrams(best_lexical.description)) / len(question_bigrams)
            features = {
                "length": float(len(q.text)),
                "agreement": len(set(top_dense) & set(top_lexical)) / CUTOFF,
                "dense top": float(legs.dense_scores[0]) if len(legs.dense_scores) else 0.0,
                "lexical cover": cover,
            }
            ndcg = {}
            for weight in WEIGHTS:
                ranked = [searcher.incidents[row].id for row, _ in searcher.fuse(legs, weight)[:CUTOFF]]
                ndcg[weight] = ndcg_at(ranked, q.relevant, CUTOFF)
            out.append(Question(name, q.qid, q.fold, features, ndcg))
    return out


@dataclass(frozen=True)
class Rule:
    feature: str | None  # None: one weight for every question
    threshold: float
    below: float
    above: float

    def weight(self, q: Question) -> float:
        if self.feature is None or q.features[self.feature] >= self.threshold:
            return self.above
        return self.below

    def describe(self) -> str:
        if self.feature is None:
            return f"constant {self.above}"
        return f"{self.feature} < {self.threshold:.3g}: {self.below}, else {self.above}"


def objective(rule: Rule, questions: list[Question]) -> float:
    """Mean over query sets of the sets' mean nDCG@10 (each set weighs the same)."""
    by_set: dict[str, list[float]] = {}
    for q in questions:
        by_set.setdefault(q.set_name, []).append(q.ndcg[rule.weight(q)])
    return float(np.mean([np.mean(v) for v in by_set.values()]))


def best_rule(questions: list[Question], adaptive: bool) -> Rule:
    candidates = [Rule(None, 0.0, w, w) for w in WEIGHTS]
    if adaptive:
        for feature in FEATURES:
            values = np.array([q.features[feature] for q in questions])
            for threshold in sorted(set(np.percentile(values, range(10, 100, 10)).round(4))):
                for below, above in itertools.product(WEIGHTS, WEIGHTS):
                    if below != above:
                        candidates.append(Rule(feature, float(threshold), below, above))
    # Ties go to the earliest candidate: constants first, so a rule must beat them to be chosen.
    return max(candidates, key=lambda r: (round(objective(r, questions), 6), -candidates.index(r)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT / "fusion.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    embedder = base_embedder(Settings.from_env())
    benchmark = crossval.bundled_benchmark()
    relabel_for = kinds_per_fold()
    shipped = Rule(None, 0.0, LEXICAL_FUSION_WEIGHT, LEXICAL_FUSION_WEIGHT)
    chosen: dict[str, list[str]] = {"constant": [], "adaptive": []}
    scored: dict[str, dict[str, float]] = {"shipped 1.5": {}, "learned constant": {}, "learned adaptive": {}}
    fold_of: dict[str, int] = {}
    for fold_spec in crossval.folds(benchmark):
        fold = fold_spec.index
        # Kinds from this fold's training side only, as bench/quality.py reads them.
        questions = measure_questions(embedder, benchmark, relabel_for(fold_spec))
        embedder.save()
        fold_of.update({f"{q.set_name}|{q.qid}": q.fold for q in questions})
        train = [q for q in questions if q.fold != fold]
        test = [q for q in questions if q.fold == fold]
        constant, adaptive = best_rule(train, False), best_rule(train, True)
        chosen["constant"].append(constant.describe())
        chosen["adaptive"].append(adaptive.describe())
        for label, rule in (("shipped 1.5", shipped), ("learned constant", constant), ("learned adaptive", adaptive)):
            for q in test:
                scored[label][f"{q.set_name}|{q.qid}"] = q.ndcg[rule.weight(q)]
    report: dict[str, object] = {"chosen per fold (training folds only)": chosen, "sets": {}}
    for set_name in crossval.SET_NAMES:
        keys = [k for k in scored["shipped 1.5"] if k.startswith(set_name + "|")]
        rows = {}
        for label, values in scored.items():
            summary = crossval._summary([(fold_of[k], values[k]) for k in keys])
            rows[label] = summary.as_dict()
            if label != "shipped 1.5":
                diff = crossval._summary([(fold_of[k], values[k] - scored["shipped 1.5"][k]) for k in keys])
                rows[label]["delta vs shipped 1.5"] = diff.as_dict()
        report["sets"][set_name] = rows
    report["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print("chosen on training folds:")
    for kind, rules in chosen.items():
        for fold, rule in enumerate(rules):
            print(f"  fold {fold} {kind}: {rule}")
    print("\nnDCG@10 on test folds [95%]; delta = paired difference from the shipped 1.5")
    for set_name, rows in report["sets"].items():
        print(f"== {set_name}")
        for label, row in rows.items():
            line = f"  {label:18s} {row['mean']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"
            if "delta vs shipped 1.5" in row:
                d = row["delta vs shipped 1.5"]
                line += f"   delta {d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]"
            print(line)
    print(f"\n{report['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
