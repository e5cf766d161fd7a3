"""Train the learned kind classifier (domain/kind_model.py) and say how well it carries over.

    python bench/train_kinds.py            # cross-validated figures, then writes domain/models/kinds.npz
    python bench/train_kinds.py --no-save  # figures only
    python bench/train_kinds.py --json
    python bench/train_kinds.py --no-save --embeddings  # + the same classifier with e5 vectors (not shipped)

Labelled incidents: the shipped other-bodies tables (published-style `incident_type`). Folds are
grouped by publishing body (fold = sha256(body) mod 5, as everywhere in Zenrei's evaluation), so
no body is in both the training and the test side. Every choice (C, rule weight, n-gram length)
is made by an inner grouped cross-validation on the training folds only; the outer test folds
are only scored. The shipped model is then trained on all labelled incidents with the choice
the inner cross-validation makes on all of them. Reported: main-kind agreement of the rules
alone and of rules + model on the test folds, with a bootstrap 95% interval (incidents
resampled, 1000 times, fixed seed), and the per-kind confusion of the combined classifier.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assistant.crossval import fold_of  # noqa: E402  (one fold assignment everywhere)
from data import read_tables  # noqa: E402
from data.text import clean_text  # noqa: E402
from domain.kind_model import MODEL_FILE, Featurizer, KindModel, training_fingerprint  # noqa: E402
from domain.kind_rules import classify  # noqa: E402
from domain.kinds import LABEL_KEY  # noqa: E402

TABLES = (ROOT / "data/tables/other_bodies_published.jsonl", ROOT / "data/tables/other_bodies_published_2.jsonl")
K = 5
SEED = 20261201
GRID = {"C": (30.0,), "rule_weight": (2.0, 3.0), "longest": (3,)}  # C 10 lost on every training side
INNER = 3  # inner folds for choosing


def labelled(incidents=None):
    """(incidents, texts, rules' kinds, labels, bodies) of the labelled incidents (default: the
    shipped other-bodies tables)."""
    if incidents is None:
        incidents = read_tables(list(TABLES)).incidents
    incidents = [i for i in incidents if i.metadata.get(LABEL_KEY, "").strip()]
    texts = [i.description or clean_text(i.description_raw) for i in incidents]
    rules = [classify(i, learned=False) for i in incidents]
    labels = np.array([i.metadata[LABEL_KEY].strip() for i in incidents])
    bodies = [i.metadata.get("body", i.source) for i in incidents]
    return incidents, texts, rules, labels, bodies


def fit(texts, rules, labels, C, rule_weight, longest) -> KindModel:
    featurizer = Featurizer.fit(texts, longest, rule_weight)
    X = csr_matrix(np.stack([featurizer.transform(t, r) for t, r in zip(texts, rules, strict=True)]))
    model = LogisticRegression(C=C, max_iter=5000).fit(X, labels)
    return KindModel(
        featurizer,
        tuple(str(c) for c in model.classes_),
        model.coef_.astype(np.float32),
        model.intercept_.astype(np.float32),
        training_fingerprint(texts, list(labels)),
    )


def predict(model: KindModel, texts, rules) -> np.ndarray:
    return np.array([model.combine(t, r).main for t, r in zip(texts, rules, strict=True)])


def choose(texts, rules, labels, bodies) -> dict:
    """The grid point with the best mean agreement over an inner grouped CV of these rows."""
    inner = np.array([fold_of(b + "#inner", INNER) for b in bodies])
    best, best_score = None, -1.0
    for values in itertools.product(*GRID.values()):
        params = dict(zip(GRID, values, strict=True))
        scores = []
        for f in range(INNER):
            tr, te = np.flatnonzero(inner != f), np.flatnonzero(inner == f)
            if not len(te):
                continue
            model = fit([texts[i] for i in tr], [rules[i] for i in tr], labels[tr], **params)
            scores.append(float((predict(model, [texts[i] for i in te], [rules[i] for i in te]) == labels[te]).mean()))
        score = float(np.mean(scores))
        if score > best_score:
            best, best_score = params, score
    return best


def fold_relabeller(train_incidents):
    """A kind classifier trained (and its settings chosen) on these incidents only, as a function
    re-annotating a corpus with it: what cross-validated retrieval sees in place of the shipped
    model, which was trained on every label. Used by bench/quality.py."""
    _, texts, rules, labels, bodies = labelled(train_incidents)
    model = fit(texts, rules, labels, **choose(texts, rules, labels, bodies))

    def relabel(corpus):
        out = []
        for incident in corpus:
            found = classify(incident, model=model)
            out.append(
                dataclasses.replace(incident, kinds=found.kinds, medium=found.medium, contractor=found.contractor)
            )
        return tuple(out)

    return relabel


EMBEDDING_GRID = {"vector_weight": (0.0, 5.0), "neighbour_mix": (0.0, 0.3)}
NEIGHBOURS = 7


def description_vectors(incidents) -> np.ndarray:
    """The default model's vectors of the descriptions, as the index embeds them, centred later."""
    from quality import base_embedder

    from assistant.settings import Settings
    from index.storage import DESCRIPTION_PROMPT

    embedder = base_embedder(Settings.from_env())
    vectors = np.asarray(embedder.embed([i.description for i in incidents], DESCRIPTION_PROMPT), dtype=np.float32)
    embedder.save()
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def embedding_predict(texts, rules, labels, vectors, tr, te, params, vector_weight, neighbour_mix) -> np.ndarray:
    """The shipped classifier's features plus the description vector (centred on the training
    rows, times `vector_weight`), and a vote of the `NEIGHBOURS` nearest training incidents
    mixed into its probabilities. Main kinds of rows `te`, learned from rows `tr`."""
    featurizer = Featurizer.fit([texts[i] for i in tr], params["longest"], params["rule_weight"])
    centred = vectors - vectors[tr].mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)

    def features(rows):
        X = np.stack([featurizer.transform(texts[i], rules[i]) for i in rows])
        return np.hstack([X, vector_weight * centred[rows]]) if vector_weight else X

    model = LogisticRegression(C=params["C"], max_iter=5000).fit(features(tr), labels[tr])
    probabilities = model.predict_proba(features(te))
    if neighbour_mix:
        column = {c: j for j, c in enumerate(model.classes_)}
        similarity = centred[te] @ centred[tr].T
        votes = np.zeros_like(probabilities)
        for r, row in enumerate(similarity):
            for j in np.argsort(-row)[:NEIGHBOURS]:
                votes[r, column[labels[tr][j]]] += np.exp(10.0 * row[j])
        probabilities = (1 - neighbour_mix) * probabilities + neighbour_mix * votes / votes.sum(axis=1, keepdims=True)
    return model.classes_[probabilities.argmax(axis=1)]


def embedding_variant(incidents, texts, rules, labels, bodies, folds, shipped_hits, chosen) -> dict:
    """--embeddings: does the classifier gain from the description's embedding? Each outer fold
    keeps the shipped method's choice (C, rule weight, n-grams) and picks the vector weight and
    neighbour mix by the same inner grouped CV on its training side; scored on the test fold,
    paired with the shipped method."""
    vectors = description_vectors(incidents)
    predicted = np.empty(len(labels), dtype=object)
    picked = []
    for f in range(K):
        tr, te = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        inner = np.array([fold_of(bodies[i] + "#inner", INNER) for i in tr])
        best, best_score = None, -1.0
        for values in itertools.product(*EMBEDDING_GRID.values()):
            option = dict(zip(EMBEDDING_GRID, values, strict=True))
            scores = []
            for g in range(INNER):
                fit_rows, score_rows = tr[inner != g], tr[inner == g]
                if len(score_rows):
                    guess = embedding_predict(texts, rules, labels, vectors, fit_rows, score_rows, chosen[f], **option)
                    scores.append(float((guess == labels[score_rows]).mean()))
            if np.mean(scores) > best_score:
                best, best_score = option, float(np.mean(scores))
        picked.append(best)
        predicted[te] = embedding_predict(texts, rules, labels, vectors, tr, te, chosen[f], **best)
    hits = predicted == labels
    return {
        "mean": float(hits.mean()),
        "ci95": interval(hits),
        "minus_shipped": float(hits.mean() - shipped_hits.mean()),
        "minus_shipped_ci95": interval(hits.astype(float) - shipped_hits.astype(float)),  # paired: per incident
        "folds": [float(hits[folds == f].mean()) for f in range(K)],
        "chosen": picked,
    }


def interval(hits: np.ndarray, reps: int = 1000) -> tuple[float, float]:
    rng = np.random.default_rng(SEED)
    means = [hits[rng.integers(0, len(hits), len(hits))].mean() for _ in range(reps)]
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--embeddings", action="store_true", help="also: the classifier with the descriptions' e5 vectors (not shipped)"
    )
    args = parser.parse_args()

    incidents, texts, rules, labels, bodies = labelled()
    folds = np.array([fold_of(b) for b in bodies])
    rule_main = np.array([r.main for r in rules])
    combined = np.empty(len(labels), dtype=object)
    chosen = []
    for f in range(K):
        tr, te = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        params = choose([texts[i] for i in tr], [rules[i] for i in tr], labels[tr], [bodies[i] for i in tr])
        chosen.append(params)
        model = fit([texts[i] for i in tr], [rules[i] for i in tr], labels[tr], **params)
        combined[te] = predict(model, [texts[i] for i in te], [rules[i] for i in te])
    rule_hits, model_hits = rule_main == labels, combined == labels
    per_fold = [
        {"fold": f, "n": int((folds == f).sum()), "rules": float(rule_hits[folds == f].mean()),
         "combined": float(model_hits[folds == f].mean()), "chosen": chosen[f]}
        for f in range(K)
    ]  # fmt: skip
    confusion = Counter((str(a), str(b)) for a, b in zip(labels, combined, strict=True))
    per_kind = {
        kind: {"n": int((labels == kind).sum()), "recall": float(model_hits[labels == kind].mean()),
               "rules_recall": float(rule_hits[labels == kind].mean())}
        for kind in sorted(set(labels))
    }  # fmt: skip
    report = {
        "incidents": len(labels),
        "bodies": len(set(bodies)),
        "rules": {"mean": float(rule_hits.mean()), "ci95": interval(rule_hits)},
        "combined": {"mean": float(model_hits.mean()), "ci95": interval(model_hits)},
        "folds": per_fold,
        "per_kind": per_kind,
        "confusions": [{"label": a, "predicted": b, "count": n} for (a, b), n in confusion.most_common() if a != b],
    }
    if args.embeddings:
        report["with_embeddings"] = embedding_variant(
            incidents, texts, rules, labels, bodies, folds, model_hits, chosen
        )
    final = choose(texts, rules, labels, bodies)
    report["shipped"] = final
    if not args.no_save:
        model = fit(texts, rules, labels, **final)
        MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
        model.save(MODEL_FILE)
        report["model_file"] = str(MODEL_FILE.relative_to(ROOT))
        report["trained_on"] = model.trained_on
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"{len(labels)} labelled incidents of {len(set(bodies))} bodies; {K} folds grouped by body")
    for name in ("rules", "combined"):
        low, high = report[name]["ci95"]
        print(f"  main-kind agreement, test folds, {name:8}: {report[name]['mean']:.3f}  (95% CI {low:.3f}–{high:.3f})")
    for row in per_fold:
        print(f"  fold {row['fold']} (n={row['n']}): rules {row['rules']:.3f}  combined {row['combined']:.3f}  "
              f"chosen on its training folds {row['chosen']}")  # fmt: skip
    print("  per kind (recall on test folds: combined / rules alone):")
    for kind, row in per_kind.items():
        print(f"    {kind:10} n={row['n']:3}  {row['recall']:.2f} / {row['rules_recall']:.2f}")
    print("  confusions (label → predicted):")
    for row in report["confusions"][:20]:
        print(f"    {row['label']} → {row['predicted']}: {row['count']}")
    if "with_embeddings" in report:
        row = report["with_embeddings"]
        low, high = row["ci95"]
        dlow, dhigh = row["minus_shipped_ci95"]
        print(f"  with the descriptions' e5 vectors (not shipped): {row['mean']:.3f} (95% CI {low:.3f}–{high:.3f}); "
              f"minus shipped {row['minus_shipped']:+.3f} (paired 95% CI {dlow:+.3f}–{dhigh:+.3f})")  # fmt: skip
        print(f"    per fold {[round(x, 3) for x in row['folds']]}, chosen {row['chosen']}")
    print(f"  shipped model: {final}" + (f" -> {report.get('model_file')}" if not args.no_save else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
