"""Calibrate the closeness labels (とても近い / 近い / 参考) and the "no close precedent" verdict.

    python bench/calibrate_closeness.py          # cross-validated figures; writes assistant/closeness.json
    python bench/calibrate_closeness.py --no-save

Questions: (a) every labelled incident's first sentence as a question over the bundled corpus
(itself left out; relevant = same incident_type, the precedent = same incident_subtype), (b) the
judged dev queries, (c) questions on topics the corpus has no case of (data/eval/no_precedent_*.jsonl
and the dev file's no_precedent lines, written for this). For each question the default hybrid
search's top 10 hits give (cosine, share of the question's bigrams the case shares, rank).

A logistic regression turns those into P(the hit is relevant). On the training folds only
(grouped by publishing body; dev and no-precedent questions by a hash of their id) it is fitted and
two thresholds are chosen: `near` = the lowest P at which the best hit of at most 10% of questions
that do have precedents would be called distant, maximizing the no-precedent questions flagged;
`close` = above `near`, the lowest P whose hits are relevant at least 80% of the time (else
halfway between `near` and the highest P). The test folds are only
scored. The shipped calibration is fitted the same way on all questions, for this model only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.corpus import load_corpus  # noqa: E402
from assistant.crossval import fold_of  # noqa: E402  (one fold assignment everywhere)
from assistant.evaluation import load_queries  # noqa: E402
from assistant.precedent import CALIBRATION_FILE, coverage  # noqa: E402
from assistant.settings import Settings, bundled_tables  # noqa: E402
from domain.kinds import LABEL_KEY  # noqa: E402
from index.storage import build_searcher  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from quality import base_embedder  # noqa: E402
from train_kinds import fold_relabeller  # noqa: E402

K = 5
TOP = 10
EVAL = ROOT / "data" / "eval"
FALSE_FLAG_LIMIT = 0.10
CLOSE_PRECISION = 0.80


def first_sentence(text: str) -> str:
    head = re.split(r"(?<=[。！？])", text, maxsplit=1)[0]
    return head if len(head) >= 15 else text


def questions(incidents):
    out = []  # (text, relevant {id: grade}, fold, no_precedent, exclude id)
    for inc in incidents:
        kind = inc.metadata.get("incident_type", "")
        if not kind:
            continue
        sub = inc.metadata.get("incident_subtype", "")
        relevant = {
            o.id: (2 if sub and o.metadata.get("incident_subtype") == sub else 1)
            for o in incidents
            if o.id != inc.id and o.metadata.get("incident_type") == kind
        }
        out.append((first_sentence(inc.description), relevant, fold_of(inc.metadata.get("body", "")), False, inc.id))
    for path in sorted(EVAL.glob("*.jsonl")):
        for q in load_queries(path):
            if q.no_precedent or any(g > 0 for g in q.relevant.values()):
                out.append((q.text, q.relevant, fold_of(q.qid), q.no_precedent, None))
    return out


def features(question, hits):
    return np.array([[h.similarity, coverage(question, h), 1.0 / h.rank] for h in hits], dtype=np.float64)


def collect(searcher, qs):
    rows = []
    for text, relevant, fold, lonely, exclude in qs:
        hits = [h for h in searcher.search(text, top_k=TOP + 1) if h.incident.id != exclude][:TOP]
        grades = np.array([relevant.get(h.incident.id, 0) for h in hits])
        rows.append({"X": features(text, hits), "y": grades, "fold": fold, "lonely": lonely})
    return rows


def fit(rows):
    X = np.vstack([r["X"] for r in rows])
    y = np.concatenate([r["y"] for r in rows]) > 0
    model = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
    p = lambda r: model.predict_proba(r["X"])[:, 1]  # noqa: E731
    best = np.array([p(r).max() for r in rows])
    lonely = np.array([r["lonely"] for r in rows])
    has = ~lonely
    # near: the distant verdict's threshold. Largest flag rate with <= 10% false flags.
    candidates = np.unique(np.concatenate([best, [0.0]]))
    near = 0.0
    for t in candidates:
        if (best[has] < t).mean() <= FALSE_FLAG_LIMIT:
            near = max(near, float(t))
    probs = np.concatenate([p(r) for r in rows])
    # close: above near, the lowest P whose hits are relevant at least CLOSE_PRECISION of the time;
    # where no such P exists, halfway between near and the highest P (three levels always).
    above = np.unique(probs[probs > near])
    close = float((near + probs.max()) / 2) if len(above) else 1.0
    for t in above[::-1]:
        chosen = probs >= t
        if chosen.sum() >= 20 and y[chosen].mean() >= CLOSE_PRECISION:
            close = float(t)
    return model, near, close


def score(model, near, close, rows):
    p = [model.predict_proba(r["X"])[:, 1] for r in rows]
    best = np.array([x.max() for x in p])
    lonely = np.array([r["lonely"] for r in rows])
    probs, y = np.concatenate(p), np.concatenate([r["y"] for r in rows]) > 0
    levels = np.where(probs >= close, "close", np.where(probs >= near, "near", "distant"))
    return {
        "no_precedent_flagged": float((best[lonely] < near).mean()) if lonely.any() else None,
        "n_no_precedent": int(lonely.sum()),
        "false_flags": float((best[~lonely] < near).mean()),
        "n_with_precedent": int((~lonely).sum()),
        "relevant_share": {lv: (float(y[levels == lv].mean()) if (levels == lv).any() else None) for lv in
                           ("close", "near", "distant")},
        "hits_per_level": {lv: int((levels == lv).sum()) for lv in ("close", "near", "distant")},
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    settings = Settings.from_env()
    corpus = load_corpus(bundled_tables())
    embedder = base_embedder(settings)  # vectors cached with bench/quality.py's
    qs = questions(corpus.incidents)
    rows = collect(build_searcher(corpus.incidents, embedder), qs)  # the shipped kinds: for the shipped fit
    folds = np.array([r["fold"] for r in rows])
    totals = {"flag": [], "false": []}
    print(f"model {embedder.model_id}; {len(rows)} questions, {sum(r['lonely'] for r in rows)} without precedent")
    for f in range(K):
        # The shipped kind model saw every label; a fold's hits come from a corpus whose kinds a
        # model trained on its training side gave (the same-kind list moves ranks).
        train_side = [i for i in corpus.incidents if i.metadata.get(LABEL_KEY, "").strip()
                      and fold_of(i.metadata.get("body", i.source)) != f]  # fmt: skip
        fold_rows = collect(build_searcher(fold_relabeller(train_side)(corpus.incidents), embedder), qs)
        train = [r for r, g in zip(fold_rows, folds, strict=True) if g != f]
        test = [r for r, g in zip(fold_rows, folds, strict=True) if g == f]
        model, near, close = fit(train)
        s = score(model, near, close, test)
        print(f"  fold {f}: near>={near:.3f} close>={close:.3f}  no-precedent flagged {s['no_precedent_flagged']} "
              f"(n={s['n_no_precedent']})  false flags {s['false_flags']:.3f} (n={s['n_with_precedent']})  "
              f"relevant share by level {s['relevant_share']}")  # fmt: skip
        if s["n_no_precedent"]:
            totals["flag"].append((s["no_precedent_flagged"] * s["n_no_precedent"], s["n_no_precedent"]))
        totals["false"].append((s["false_flags"] * s["n_with_precedent"], s["n_with_precedent"]))
    flag = sum(a for a, _ in totals["flag"]) / sum(n for _, n in totals["flag"])
    false = sum(a for a, _ in totals["false"]) / sum(n for _, n in totals["false"])
    print(f"  test folds pooled: no-precedent flagged {flag:.3f}, false flags {false:.3f}")
    embedder.save()
    model, near, close = fit(rows)
    calibration = {
        embedder.model_id: {
            "features": ["cosine", "bigram_coverage", "1/rank"],
            "coef": [round(float(c), 6) for c in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 6),
            "near": round(near, 6),
            "close": round(close, 6),
            "cv": {"no_precedent_flagged": round(flag, 3), "false_flags": round(false, 3)},
        }
    }
    print(f"  shipped: {json.dumps(calibration, ensure_ascii=False)}")
    if not args.no_save:
        existing = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")) if CALIBRATION_FILE.exists() else {}
        existing.update(calibration)
        CALIBRATION_FILE.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
