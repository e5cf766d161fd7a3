"""Measuring ranking quality against graded relevance judgements."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from data.records import TableError
from index.searcher import Searcher

CUTOFF = 10  # depth of the ranking that is judged (nDCG@10, Recall@10, MRR)


@dataclass(frozen=True)
class Query:
    qid: str
    text: str
    relevant: dict[str, int]  # incident id -> grade (2 = the precedent, 1 = related)
    no_precedent: bool = False


def load_queries(path: Path) -> list[Query]:
    """Read a JSONL query file; TableError naming file and line on a bad line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(str(path), None, f"評価用クエリを読めません (cannot read queries): {exc}") from exc
    queries: dict[str, Query] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            relevant = {str(k): int(v) for k, v in (raw.get("relevant") or {}).items()}
            qid, no_precedent = str(raw.get("qid", number)), bool(raw.get("no_precedent", False))
            query = Query(qid, str(raw["query"]), relevant, no_precedent)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TableError(str(path), number, f"クエリ行が不正です (bad query line): {exc}") from exc
        if qid in queries:
            # Feedback files hold one line per click: later judgements of a case win.
            query = Query(qid, query.text, {**queries[qid].relevant, **relevant}, no_precedent)
        queries[qid] = query
    return list(queries.values())


def dcg(grades: Sequence[int]) -> float:
    # Linear gains, as trec_eval computes them.
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(grades, start=1))


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([relevant.get(doc, 0) for doc in ranked[:k]]) / ideal


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    wanted = {doc for doc, grade in relevant.items() if grade > 0}
    return len(wanted.intersection(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int], k: int = CUTOFF) -> float:
    """1 / rank of the first grade-2 hit (of the first relevant hit when no grade is 2)."""
    best = max(relevant.values(), default=0)
    for rank, doc in enumerate(ranked[:k], start=1):
        if best and relevant.get(doc, 0) == best:
            return 1.0 / rank
    return 0.0


def evaluate(searcher: Searcher, queries: Sequence[Query], method: str = "hybrid") -> dict[str, float | int]:
    """Mean metrics over the queries that have judgements (no-precedent lines have none)."""
    # A query whose cases were all judged "not similar" has nothing to find: it is not scored.
    judged = [q for q in queries if any(grade > 0 for grade in q.relevant.values())]
    totals = {"ndcg@5": 0.0, "ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0}
    for query in judged:
        ranked = [hit.incident.id for hit in searcher.search(query.text, top_k=CUTOFF, method=method)]
        totals["ndcg@5"] += ndcg_at(ranked, query.relevant, 5)
        totals["ndcg@10"] += ndcg_at(ranked, query.relevant, 10)
        totals["recall@10"] += recall_at(ranked, query.relevant, 10)
        totals["mrr"] += reciprocal_rank(ranked, query.relevant)
    n = len(judged)
    report: dict[str, float | int] = {name: (value / n if n else 0.0) for name, value in totals.items()}
    report["n_queries"] = n
    if any(q.no_precedent for q in queries):
        report.update(no_precedent_rates(searcher, queries, method))
    return report


def no_precedent_rates(searcher: Searcher, queries: Sequence[Query], method: str = "hybrid") -> dict[str, float]:
    """Share of no-precedent queries flagged (recall) and of the other queries flagged (false)."""
    from .answer import answer

    flagged = {q.qid: answer(q.text, searcher=searcher, method=method).distant for q in queries}
    lonely = [q.qid for q in queries if q.no_precedent]
    others = [q.qid for q in queries if not q.no_precedent]
    return {
        "no_precedent_recall": sum(flagged[q] for q in lonely) / len(lonely) if lonely else 0.0,
        "no_precedent_false_rate": sum(flagged[q] for q in others) / len(others) if others else 0.0,
    }
