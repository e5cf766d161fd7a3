"""Retrieval quality on the dev sets, method by method: what each addition to the ranking brings.

    python bench/quality.py            # real default model (or ZENREI_MODEL), both dev sets
    python bench/quality.py --json     # the same figures as JSON

Each dev set's judged queries are split by position in the file: the 1st, 3rd, 5th, ... form
the *decide* half, the 2nd, 4th, ... the *report* half. Every weight in the ranking was chosen
by looking at the decide half only; the report half and "all" are what we report. (Position,
not qid parity: the seed set's qids are all odd.)

The same-kind list (index/searcher.py) was decided this way, on the decide half only: the kind
of the best fused case (top-1; votes of the top 3 or 5 by 1/rank gave the same kind) against
the top 5/10 unweighted (worse); weight 0.5 / 0.75 / 1 / 1.5 (1 best, 1.5 equal); a list of
every case ordered same-kind first (lost most of the gain); a case joining the list when its
BM25 score is >= 0.7 / 0.8 / 0.9 of the best, whatever its kind (0.8 best; added because a
question naming what only two cases of different kinds mention lost the second one); and the
best case's main kind matched against a case's main kind or any of its kinds (equal on the
decide half with the 0.8 rule, 0.992 / 0.830; "any" kept, since a case is of all its kinds).
Cross-check: choosing on the report half instead would have picked top-1, weight 1 and "any"
too, with a 0.9 share (report half other bodies 0.841 against 0.825 with 0.8).
Rejected on the decide half (other bodies nDCG@10, before the kind list 0.768): a dense leg
over individual measures (0.674), Rocchio feedback on the dense leg (<= 0.802 and seed -0.05),
score fusion by z-score or min-max instead of RRF (<= 0.775), BM25 k1/b grids (<= 0.772),
descriptions embedded sentence by sentence or with measures (<= 0.784), concept feedback
(0.773). Each row below switches on one more part; the kinds come from assistant/kinds.py,
whose rules were written reading the 80 other-bodies descriptions and their published labels
(and, for a few everyday wordings, dev questions), so these figures are not blind.

The dense variant (the question's vector plus the mean vector of the dictionary groups it
mentions, each group embedded once) replaced embedding "question + every expansion term" as a
second text, for speed: one short text per question instead of two, one up to 78 tokens
(p95 55 -> 22 ms on 2 cores). On the decide half the hybrid measured 0.992 / 0.835 (seed /
other bodies nDCG@10) against 0.992 / 0.830 before; embedding the expansion terms alone was
worse on the seed set (0.945). The dense leg alone is weaker this way (all queries: seed
0.937 -> 0.893, other bodies 0.633 -> 0.616); it only ever ranks inside the hybrid by default.

Each corpus is embedded once: a caching wrapper around the model remembers every vector, so
the methods below share the document vectors and each question is embedded only once per
wording. A run takes well under a minute after the model is loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.corpus import load_corpus  # noqa: E402
from assistant.evaluation import Query, evaluate, load_queries  # noqa: E402
from index.embedder import DEFAULT_MODEL, open_embedder  # noqa: E402
from index.searcher import BASELINE_RANKING, Ranking  # noqa: E402
from index.storage import build_searcher  # noqa: E402

TABLES = ROOT / "data" / "tables"
EVAL = ROOT / "data" / "eval"
DEV_SETS = (
    ("seed", (TABLES / "seed.txt",), EVAL / "dev_queries.jsonl"),
    (
        "other bodies",
        (TABLES / "seed.txt", TABLES / "other_bodies_published.jsonl"),
        EVAL / "dev_queries_other_bodies.jsonl",
    ),
)
METRICS = ("ndcg@5", "ndcg@10", "recall@10", "mrr")

_SYNONYMS_ONLY = Ranking(concept_weight=0.0, dense_variant=False, lexical_weight=1.0, kind_weight=0.0)
_LEXICAL_DONE = Ranking(dense_variant=False, lexical_weight=1.0, kind_weight=0.0)
_VARIANT_ONLY = Ranking(
    expansion_weight=0.0, concept_weight=0.0, dense_variant=True, lexical_weight=1.0, kind_weight=0.0
)
_NO_KIND = Ranking(kind_weight=0.0)

# (label, Searcher.search method, ranking). The last row of each leg is what `search` does
# by default with that method.
METHODS: tuple[tuple[str, str, Ranking], ...] = (
    ("dense", "dense", BASELINE_RANKING),
    ("dense+variant (default dense)", "dense", _VARIANT_ONLY),
    ("lexical", "lexical", BASELINE_RANKING),
    ("lexical+synonyms", "lexical", _SYNONYMS_ONLY),
    ("lexical+synonyms+concepts (default)", "lexical", Ranking()),
    ("hybrid (before: RRF 1:1)", "hybrid", BASELINE_RANKING),
    ("hybrid+synonyms", "hybrid", _SYNONYMS_ONLY),
    ("hybrid+synonyms+concepts", "hybrid", _LEXICAL_DONE),
    ("hybrid+…+dense variant", "hybrid", Ranking(lexical_weight=1.0, kind_weight=0.0)),
    ("hybrid+…+lexical weight 1.5", "hybrid", _NO_KIND),
    ("hybrid+…+same-kind list (default)", "hybrid", Ranking()),
)


class CachingEmbedder:
    """Remembers every vector it computes, keyed by (prompt, text)."""

    def __init__(self, inner):
        self._inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    def embed(self, texts: Sequence[str], prompt: str, progress=None) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if (prompt, t) not in self._cache))
        if missing:
            for text, vector in zip(missing, self._inner.embed(missing, prompt), strict=True):
                self._cache[(prompt, text)] = vector
        if progress:
            progress(len(texts), len(texts))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._cache[(prompt, t)] for t in texts])


def split_halves(queries: Sequence[Query]) -> tuple[list[Query], list[Query]]:
    """(decide, report): judged queries at odd positions (1st, 3rd, ...) and at even ones."""
    judged = [q for q in queries if q.relevant]
    return judged[0::2], judged[1::2]


@dataclass(frozen=True)
class Row:
    label: str
    halves: dict[str, dict[str, float]]  # "decide" / "report" / "all" -> metric -> value


def measure(embedder, tables: Sequence[Path], queries_path: Path) -> tuple[list[Row], dict[str, list[str]]]:
    incidents = load_corpus(tables).incidents  # annotated with their kinds, as the app sees them
    searcher = build_searcher(incidents, embedder)
    queries = load_queries(queries_path)
    decide, report = split_halves(queries)
    halves = {"decide": decide, "report": report, "all": decide + report}
    rows = []
    for label, method, ranking in METHODS:
        ranked = searcher.with_ranking(ranking)
        rows.append(Row(label, {name: evaluate(ranked, qs, method) for name, qs in halves.items()}))
    return rows, {name: [q.qid for q in qs] for name, qs in halves.items() if name != "all"}


def format_table(name: str, rows: Sequence[Row], split: dict[str, list[str]]) -> str:
    width = max(len(r.label) for r in rows)
    head1 = " " * width + "".join(f" | {h:^31}" for h in ("decide", "report", "all"))
    head2 = " " * width + (" | " + " ".join(f"{m:>7}" for m in ("nDCG@5", "nDCG@10", "R@10", "MRR"))) * 3
    lines = [
        f"== {name}: decide {len(split['decide'])} queries ({' '.join(split['decide'])}); "
        f"report {len(split['report'])} ({' '.join(split['report'])})",
        head1,
        head2,
    ]
    for row in rows:
        cells = "".join(
            " | " + " ".join(f"{row.halves[h][m]:7.3f}" for m in METRICS) for h in ("decide", "report", "all")
        )
        lines.append(f"{row.label:<{width}}{cells}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = os.environ.get("ZENREI_HOME")
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(home or tmp) / "models"
        embedder = CachingEmbedder(open_embedder(os.environ.get("ZENREI_MODEL") or DEFAULT_MODEL, models))
        results = {name: measure(embedder, tables, queries) for name, tables, queries in DEV_SETS}
    if args.json:
        out = {name: {r.label: r.halves for r in rows} for name, (rows, _) in results.items()}
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(f"model: {embedder.model_id}")
        for name, (rows, split) in results.items():
            print()
            print(format_table(name, rows, split))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
