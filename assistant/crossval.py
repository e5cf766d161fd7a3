"""Cross-validated retrieval quality: grouped k-fold by publishing body, reported on test folds.

Why: the ranking's rules and dictionaries were written reading the very rows the dev sets score,
so their figures overstate what a new incident gets. Here every labelled incident (the tables
whose rows carry a `body`: the 80 and the 308 other-bodies incidents) falls in one of K folds by
its publishing body; a method is built from the training folds only (`Fold.train_ids`, the
training-fold queries) and scored on the test fold. The seed table (千葉市, no `body`) is a fixed
part of every corpus and never a held-out incident.

Query sets (each searches its own corpus):
- "dev seed": data/eval/dev_queries.jsonl over the seed.
- "dev other bodies": data/eval/dev_queries_other_bodies.jsonl over seed + the 80.
  A dev query's fold is the fold of the body of its best-graded labelled incident (ties: the
  first listed in the file); a query judged over seed incidents only (every "dev seed" query)
  is assigned by the same hash of its qid.
- "incident": each labelled incident's description as the question, over every bundled
  incident; grade 2 = same `incident_subtype` (when non-empty), grade 1 = same
  `incident_type`; the incident itself is left out of the ranking (by a filter, so neither leg
  nor the same-kind list sees it). "incident first sentence": the same with only the first
  sentence of the description (closer to how staff type).

Figures: per query nDCG@5, nDCG@10, R@10 and MRR (assistant/evaluation.py), the mean over the
test-fold queries of all folds (each query is tested exactly once), a percentile bootstrap 95%
interval over queries (fixed seed, 1000 resamples), per-fold means, and paired differences
between methods with their own interval.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from data.records import Incident
from index.embedder import QUERY, Embedder, Progress
from index.filters import Filters
from index.searcher import BASELINE_RANKING, Ranking, Searcher
from index.storage import DESCRIPTION_PROMPT, searcher_from_vectors

from .evaluation import CUTOFF, Query, ndcg_at, recall_at, reciprocal_rank

K = 5  # folds
SEED_BODY = "千葉市"  # the seed table's body: part of every corpus, never held out
BOOTSTRAP_REPS = 1000
BOOTSTRAP_SEED = 20261201
METRICS = ("ndcg@5", "ndcg@10", "recall@10", "mrr")

DEV_SEED = "dev seed"
DEV_OTHER = "dev other bodies"
INCIDENT = "incident"
INCIDENT_FIRST = "incident first sentence"
SET_NAMES = (DEV_SEED, DEV_OTHER, INCIDENT, INCIDENT_FIRST)


def fold_of(key: str, k: int = K) -> int:
    """The fold of a publishing body (or of a seed-only query's qid). Fixed so everyone agrees."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % k


def body_of(incident: Incident) -> str:
    return incident.metadata.get("body", "").strip()


def is_labelled(incident: Incident) -> bool:
    """A row of the labelled corpus: published by a body other than the seed's."""
    body = body_of(incident)
    return bool(body) and body != SEED_BODY


_SENTENCE_END = re.compile(r"(?<=[。．！？!?])")


def first_sentence(text: str) -> str:
    """The text up to and including its first 「。」 (or ！？); the whole text when it has none."""
    head = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()
    return head or text.strip()


# ----------------------------------------------------------------------------- queries and folds


@dataclass(frozen=True)
class CaseQuery:
    """One judged question of a query set."""

    qid: str
    text: str
    relevant: dict[str, int]  # incident id -> grade (2 / 1)
    fold: int
    exclude: str | None = None  # an incident id kept out of the ranking (the query's own incident)


@dataclass(frozen=True)
class QuerySet:
    name: str
    corpus: tuple[Incident, ...]  # what its questions search
    queries: tuple[CaseQuery, ...]


def incident_queries(incidents: Sequence[Incident], *, first_only: bool = False, k: int = K) -> list[CaseQuery]:
    """Each labelled incident with an `incident_type` as a question about the others.

    Grade 2: the same non-empty `incident_subtype`; grade 1: the same `incident_type`. The
    incident itself is excluded. Incidents with no other of their type are not queries."""
    by_type: dict[str, list[Incident]] = {}
    for inc in incidents:
        kind = inc.metadata.get("incident_type", "").strip()
        if kind:
            by_type.setdefault(kind, []).append(inc)
    prefix = "first" if first_only else "inc"
    out = []
    for inc in incidents:
        kind = inc.metadata.get("incident_type", "").strip()
        if not kind or not is_labelled(inc):
            continue
        subtype = inc.metadata.get("incident_subtype", "").strip()
        relevant = {}
        for other in by_type[kind]:
            if other.id == inc.id:
                continue
            same = subtype and other.metadata.get("incident_subtype", "").strip() == subtype
            relevant[other.id] = 2 if same else 1
        if not relevant:
            continue
        text = first_sentence(inc.description) if first_only else inc.description
        out.append(CaseQuery(f"{prefix}:{inc.id}", text, relevant, fold_of(body_of(inc), k), exclude=inc.id))
    return out


def dev_queries(queries: Sequence[Query], corpus: Sequence[Incident], k: int = K) -> list[CaseQuery]:
    """Judged dev queries with their folds (see the module docstring); unjudged ones dropped."""
    labelled = {inc.id: inc for inc in corpus if is_labelled(inc)}
    out = []
    for q in queries:
        graded = [(doc, g) for doc, g in q.relevant.items() if g > 0]
        if not graded:
            continue
        own = [(doc, g) for doc, g in graded if doc in labelled]
        if own:
            best = max(g for _, g in own)
            anchor = next(doc for doc, g in own if g == best)
            fold = fold_of(body_of(labelled[anchor]), k)
        else:
            fold = fold_of(q.qid, k)
        out.append(CaseQuery(q.qid, q.text, dict(graded), fold))
    return out


@dataclass(frozen=True)
class Benchmark:
    """The corpus split into seed and labelled incidents, and the query sets over it."""

    seed: tuple[Incident, ...]
    labelled: tuple[Incident, ...]
    sets: dict[str, QuerySet]
    k: int = K


def make_benchmark(
    incidents: Sequence[Incident],
    dev: Mapping[str, tuple[Sequence[Incident], Sequence[Query]]] | None = None,
    k: int = K,
) -> Benchmark:
    """`incidents`: every incident (seed and labelled); `dev`: set name -> (corpus, queries)."""
    incidents = tuple(incidents)
    sets: dict[str, QuerySet] = {}
    for name, (corpus, queries) in (dev or {}).items():
        sets[name] = QuerySet(name, tuple(corpus), tuple(dev_queries(queries, corpus, k)))
    sets[INCIDENT] = QuerySet(INCIDENT, incidents, tuple(incident_queries(incidents, k=k)))
    sets[INCIDENT_FIRST] = QuerySet(INCIDENT_FIRST, incidents, tuple(incident_queries(incidents, first_only=True, k=k)))
    return Benchmark(
        seed=tuple(i for i in incidents if not is_labelled(i)),
        labelled=tuple(i for i in incidents if is_labelled(i)),
        sets=sets,
        k=k,
    )


def bundled_benchmark(root: Path | None = None, k: int = K) -> Benchmark:
    """The shipped tables and dev query files (data/tables, data/eval) as a Benchmark."""
    from .corpus import load_corpus
    from .evaluation import load_queries
    from .settings import REPO_ROOT, TABLE_SUFFIXES

    root = Path(root or REPO_ROOT)
    tables = root / "data" / "tables"
    seed_table, first_table = tables / "seed.txt", tables / "other_bodies_published.jsonl"
    incidents = load_corpus(sorted(p for p in tables.iterdir() if p.suffix.lower() in TABLE_SUFFIXES)).incidents
    seed = [inc for inc in incidents if Path(inc.source).name == seed_table.name]
    first = [inc for inc in incidents if Path(inc.source).name == first_table.name]
    evals = root / "data" / "eval"
    dev = {
        DEV_SEED: (seed, load_queries(evals / "dev_queries.jsonl")),
        DEV_OTHER: (seed + first, load_queries(evals / "dev_queries_other_bodies.jsonl")),
    }
    return make_benchmark(incidents, dev, k)


@dataclass(frozen=True)
class Fold:
    index: int
    train_ids: frozenset[str]  # labelled incidents a method may learn from
    test_ids: frozenset[str]  # labelled incidents held out
    seed_ids: frozenset[str]  # in every corpus, in no fold; a method may learn from them
    train: dict[str, tuple[CaseQuery, ...]]  # set name -> training-fold queries
    test: dict[str, tuple[CaseQuery, ...]]  # set name -> test-fold queries (scored)
    benchmark: Benchmark = field(repr=False, compare=False)


def folds(benchmark: Benchmark) -> list[Fold]:
    """The K folds: a body's incidents are always in one fold together."""
    k = benchmark.k
    of = {inc.id: fold_of(body_of(inc), k) for inc in benchmark.labelled}
    seed_ids = frozenset(inc.id for inc in benchmark.seed)
    out = []
    for f in range(k):
        out.append(
            Fold(
                index=f,
                train_ids=frozenset(i for i, g in of.items() if g != f),
                test_ids=frozenset(i for i, g in of.items() if g == f),
                seed_ids=seed_ids,
                train={n: tuple(q for q in s.queries if q.fold != f) for n, s in benchmark.sets.items()},
                test={n: tuple(q for q in s.queries if q.fold == f) for n, s in benchmark.sets.items()},
                benchmark=benchmark,
            )
        )
    return out


# ----------------------------------------------------------------------------- embeddings


class CachingEmbedder:
    """Remembers every vector by (prompt, text); with a `cache_dir`, on disk per model id, so a
    second run embeds nothing. The model is opened only when a text is missing."""

    def __init__(self, model_id: str, opener: Callable[[], Embedder], cache_dir: Path | None = None):
        self.model_id = model_id
        self._opener = opener
        self._inner: Embedder | None = None
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        self._lock = threading.Lock()
        slug = hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:16]
        self._file = Path(cache_dir) / f"{slug}.npz" if cache_dir else None
        self._dim: int | None = None
        if self._file and self._file.exists():
            try:
                with np.load(self._file, allow_pickle=False) as saved:
                    keys, vectors = saved["keys"], saved["vectors"]
                    if str(saved["model_id"]) == model_id:
                        self._vectors = {str(key): vec for key, vec in zip(keys, vectors, strict=True)}
                        self._dim = int(vectors.shape[1])
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache is only slower

    @staticmethod
    def _key(prompt: str, text: str) -> str:
        return hashlib.sha256(f"{prompt}\n{text}".encode()).hexdigest()

    def _model(self) -> Embedder:
        if self._inner is None:
            self._inner = self._opener()
        return self._inner

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._model().dim)
        return self._dim

    def embed(self, texts: Sequence[str], prompt: str, progress: Progress | None = None) -> np.ndarray:
        keys = [self._key(prompt, t) for t in texts]
        with self._lock:
            pairs = zip(keys, texts, strict=True)
            missing = list(dict.fromkeys((key, t) for key, t in pairs if key not in self._vectors))
            if missing:
                vectors = self._model().embed([t for _, t in missing], prompt)
                for (key, _), vector in zip(missing, vectors, strict=True):
                    self._vectors[key] = np.asarray(vector, dtype=np.float32)
                self._dirty = True
        if progress:
            progress(len(texts), len(texts))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._vectors[key] for key in keys])

    def save(self) -> None:
        """Write the cache (atomically) when it learned something."""
        if not self._file or not self._dirty:
            return
        self._file.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype=str)
        vectors = np.vstack(list(self._vectors.values())).astype(np.float32)
        fd, tmp = tempfile.mkstemp(dir=self._file.parent, suffix=".npz")
        os.close(fd)
        with open(tmp, "wb") as out:
            np.savez(out, keys=keys, vectors=vectors, model_id=np.array(self.model_id))
        os.replace(tmp, self._file)
        self._dirty = False


def build_eval_searcher(corpus: Sequence[Incident], embedder: Embedder, ranking: Ranking | None = None) -> Searcher:
    """A searcher over `corpus` with `embedder`, as index/storage.build_searcher makes it."""
    vectors = embedder.embed([inc.description for inc in corpus], DESCRIPTION_PROMPT)
    searcher = searcher_from_vectors(corpus, embedder, vectors)
    return searcher.with_ranking(ranking) if ranking else searcher


class SelfExcluding:
    """A searcher over the same indexes whose incidents each have their own source, so a
    Filters(sources=...) leaves exactly one incident out of every leg (nothing is rebuilt)."""

    def __init__(self, searcher: Searcher):
        own = tuple(
            dataclasses.replace(inc, source=f"{inc.source}#{row}") for row, inc in enumerate(searcher.incidents)
        )
        self.searcher = Searcher(
            own,
            searcher.embedder,
            searcher.descriptions,
            searcher.lexical,
            searcher.ranking,
        )
        self.searcher.keep_concept_vectors(searcher)
        self._sources = frozenset(inc.source for inc in own)
        self._source_of: dict[str, str] = {}
        for inc in own:
            self._source_of.setdefault(inc.id, inc.source)

    def filters_without(self, exclude: str | None) -> Filters:
        """Filters letting every incident through but `exclude` (none: all of them)."""
        if exclude is not None and exclude in self._source_of:
            return Filters(sources=self._sources - {self._source_of[exclude]})
        return Filters()

    def search_ids(self, text: str, k: int, method: str, exclude: str | None) -> list[str]:
        filters = self.filters_without(exclude)
        return [hit.incident.id for hit in self.searcher.search(text, top_k=k, filters=filters, method=method)]


# ----------------------------------------------------------------------------- methods


class Retriever(Protocol):
    """A method made for one fold: ranks incident ids of a query set's corpus."""

    def rank_all(self, query_set: QuerySet, queries: Sequence[CaseQuery], k: int) -> dict[str, list[str]]: ...


MethodFactory = Callable[[Fold], Retriever]
# The corpus as a fold sees it: e.g. kinds re-annotated by a classifier trained on that fold's
# training part (the shipped kind model saw every label, test folds' included).
Relabel = Callable[[Sequence[Incident]], tuple[Incident, ...]]


class SearcherRetriever:
    """Searcher.search with one embedder, ranking and method; one searcher per query set."""

    def __init__(
        self,
        embedder: Embedder,
        ranking: Ranking | None = None,
        method: str = "hybrid",
        relabel: Relabel | None = None,
    ):
        self.embedder = embedder
        self.ranking = ranking or Ranking()
        self.method = method
        self.relabel = relabel
        self._searchers: dict[str, SelfExcluding] = {}

    def searcher(self, query_set: QuerySet) -> SelfExcluding:
        if query_set.name not in self._searchers:
            corpus = self.relabel(query_set.corpus) if self.relabel else query_set.corpus
            self._searchers[query_set.name] = SelfExcluding(build_eval_searcher(corpus, self.embedder, self.ranking))
        return self._searchers[query_set.name]

    def rank_all(self, query_set: QuerySet, queries: Sequence[CaseQuery], k: int) -> dict[str, list[str]]:
        searcher = self.searcher(query_set)
        self.embedder.embed([q.text for q in queries], QUERY)  # one batch; search() then reads the cache
        return {q.qid: searcher.search_ids(q.text, k, self.method, q.exclude) for q in queries}


def per_fold_method(
    embedder: Embedder, relabel_for: Callable[[Fold], Relabel], ranking: Ranking | None = None, method: str = "hybrid"
) -> MethodFactory:
    """A method whose corpus each fold relabels from its training part (`relabel_for(fold)`)."""
    return lambda fold: SearcherRetriever(embedder, ranking, method, relabel_for(fold))


def fixed_method(embedder: Embedder, ranking: Ranking | None = None, method: str = "hybrid") -> MethodFactory:
    """A method that learns nothing: the same retriever for every fold (built once)."""
    retriever = SearcherRetriever(embedder, ranking, method)
    return lambda fold: retriever


# ----------------------------------------------------------------------------- scoring


def query_metrics(ranked: Sequence[str], relevant: Mapping[str, int]) -> dict[str, float]:
    return {
        "ndcg@5": ndcg_at(ranked, relevant, 5),
        "ndcg@10": ndcg_at(ranked, relevant, 10),
        "recall@10": recall_at(ranked, relevant, 10),
        "mrr": reciprocal_rank(ranked, relevant),
    }


@dataclass(frozen=True)
class QueryScore:
    qid: str
    fold: int
    metrics: dict[str, float]


@dataclass(frozen=True)
class FoldResult:
    fold: int
    scores: dict[str, tuple[QueryScore, ...]]  # set name -> test-fold queries


def evaluate(method_factory: MethodFactory, fold: Fold, sets: Sequence[str] | None = None) -> FoldResult:
    """Build the method for `fold` (from its training part) and score its test queries."""
    retriever = method_factory(fold)
    scores = {}
    for name in sets or fold.test:
        queries = fold.test[name]
        ranked = retriever.rank_all(fold.benchmark.sets[name], queries, CUTOFF)
        scores[name] = tuple(QueryScore(q.qid, fold.index, query_metrics(ranked[q.qid], q.relevant)) for q in queries)
    return FoldResult(fold.index, scores)


def cross_validate(
    method_factory: MethodFactory, all_folds: Sequence[Fold], sets: Sequence[str] | None = None
) -> list[FoldResult]:
    return [evaluate(method_factory, fold, sets) for fold in all_folds]


def bootstrap_interval(
    values: Sequence[float], reps: int = BOOTSTRAP_REPS, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float]:
    """Percentile 95% interval of the mean, resampling the values with replacement."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(reps, data.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


@dataclass(frozen=True)
class Summary:
    mean: float
    low: float  # bootstrap 95% interval
    high: float
    n: int  # queries
    per_fold: dict[int, float]  # fold -> mean over its test queries

    def as_dict(self) -> dict[str, object]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n, "per_fold": self.per_fold}


def _pooled(results: Sequence[FoldResult], set_name: str) -> list[QueryScore]:
    return [score for result in results for score in result.scores.get(set_name, ())]


def _summary(pairs: Sequence[tuple[int, float]]) -> Summary:
    values = [v for _, v in pairs]
    per_fold: dict[int, list[float]] = {}
    for fold, value in pairs:
        per_fold.setdefault(fold, []).append(value)
    low, high = bootstrap_interval(values)
    return Summary(
        mean=float(np.mean(values)) if values else 0.0,
        low=low,
        high=high,
        n=len(values),
        per_fold={f: float(np.mean(v)) for f, v in sorted(per_fold.items())},
    )


def summarize(results: Sequence[FoldResult], set_name: str, metric: str = "ndcg@10") -> Summary:
    """Mean over every test-fold query of the set, its bootstrap interval and per-fold means."""
    return _summary([(s.fold, s.metrics[metric]) for s in _pooled(results, set_name)])


def paired_difference(
    a: Sequence[FoldResult], b: Sequence[FoldResult], set_name: str, metric: str = "ndcg@10"
) -> Summary:
    """a − b per query (the same queries in both), with a paired bootstrap interval."""
    right = {s.qid: s.metrics[metric] for s in _pooled(b, set_name)}
    pairs = [(s.fold, s.metrics[metric] - right[s.qid]) for s in _pooled(a, set_name) if s.qid in right]
    return _summary(pairs)


def incident_query_report(
    searcher: Searcher, method: str = "hybrid", first_only: bool = False
) -> dict[str, float | int]:
    """`eval --incident-queries`: every labelled incident of the searcher's corpus as a question
    about the others (not cross-validated: the searcher is used as it is), mean metrics."""
    queries = incident_queries(searcher.incidents, first_only=first_only)
    excluding = SelfExcluding(searcher)
    totals = dict.fromkeys(METRICS, 0.0)
    for q in queries:
        for name, value in query_metrics(excluding.search_ids(q.text, CUTOFF, method, q.exclude), q.relevant).items():
            totals[name] += value
    out: dict[str, float | int] = {name: (value / len(queries) if queries else 0.0) for name, value in totals.items()}
    out["n_queries"] = len(queries)
    return out


# ----------------------------------------------------------------------------- the compared methods

# The plain fusion the issue measures against: e5 + char-n-gram BM25, RRF 1:1, nothing hand-made.
BASELINE = BASELINE_RANKING
DEFAULT = Ranking()

# Each hand-made part of the default hybrid switched off alone.
ABLATIONS: tuple[tuple[str, Ranking], ...] = (
    ("− variant expansion", dataclasses.replace(DEFAULT, expansion_weight=0.0)),
    ("− concept tokens", dataclasses.replace(DEFAULT, concept_weight=0.0)),
    ("− same-kind list", dataclasses.replace(DEFAULT, kind_weight=0.0)),
    ("− dense variant", dataclasses.replace(DEFAULT, dense_variant=False)),
    ("− lexical weight 1.5 (1:1)", dataclasses.replace(DEFAULT, lexical_weight=1.0)),
)


def standard_methods(
    embedder: Embedder, relabel_for: Callable[[Fold], Relabel] | None = None
) -> list[tuple[str, MethodFactory]]:
    """(label, factory): the legs alone, the baseline, the default hybrid and its ablations.
    With `relabel_for`, the rows that read kinds (the same-kind list) see each fold's corpus
    as that fold relabels it; the others read no kinds."""

    def default(ranking: Ranking) -> MethodFactory:
        if relabel_for is None or not ranking.kind_weight:
            return fixed_method(embedder, ranking, "hybrid")
        return per_fold_method(embedder, relabel_for, ranking, "hybrid")

    return [
        ("dense (plain e5)", fixed_method(embedder, BASELINE, "dense")),
        ("lexical (char BM25)", fixed_method(embedder, BASELINE, "lexical")),
        ("baseline: e5 + char-BM25 RRF", fixed_method(embedder, BASELINE, "hybrid")),
        ("default hybrid", default(DEFAULT)),
        *((f"default {label}", default(ranking)) for label, ranking in ABLATIONS),
    ]


@dataclass(frozen=True)
class Comparison:
    label: str
    results: list[FoldResult]


def compare(
    methods: Sequence[tuple[str, MethodFactory]], all_folds: Sequence[Fold], sets: Sequence[str] | None = None
) -> list[Comparison]:
    return [Comparison(label, cross_validate(factory, all_folds, sets)) for label, factory in methods]


def report(
    comparisons: Sequence[Comparison], sets: Sequence[str], reference: str | None = None
) -> dict[str, dict[str, dict[str, object]]]:
    """JSON-ready: set -> method -> metric -> summary (and "Δ<metric> vs <reference>")."""
    ref = next((c for c in comparisons if c.label == reference), None)
    out: dict[str, dict[str, dict[str, object]]] = {}
    for name in sets:
        rows: dict[str, dict[str, object]] = {}
        for c in comparisons:
            if not _pooled(c.results, name):
                continue
            row: dict[str, object] = {m: summarize(c.results, name, m).as_dict() for m in METRICS}
            if ref is not None and c is not ref:
                row["delta ndcg@10"] = paired_difference(c.results, ref.results, name).as_dict()
            rows[c.label] = row
        out[name] = rows
    return out


def format_report(data: Mapping[str, Mapping[str, Mapping[str, object]]], reference: str | None = None) -> str:
    """One table per query set: nDCG@10 [95% interval], per-fold nDCG@10, nDCG@5, R@10, MRR."""
    lines = []
    for name, rows in data.items():
        if not rows:
            continue
        width = max(len(label) for label in rows)
        n = next(iter(rows.values()))["ndcg@10"]["n"]  # type: ignore[index]
        lines.append(f"== {name} ({n} test-fold queries, {K} folds by publishing body)")
        delta = f" | Δ vs {reference}" if reference else ""
        head = "nDCG@10 [95% CI]      | per fold nDCG@10               | nDCG@5   R@10    MRR"
        lines.append(f"{'':<{width}} | {head}{delta}")
        for label, row in rows.items():
            s = row["ndcg@10"]
            folds_text = " ".join(f"{v:.3f}" for v in s["per_fold"].values())  # type: ignore[index]
            cell = f"{s['mean']:.3f} [{s['low']:.3f}, {s['high']:.3f}]"  # type: ignore[index]
            rest = " ".join(f"{row[m]['mean']:6.3f}" for m in ("ndcg@5", "recall@10", "mrr"))  # type: ignore[index]
            d = row.get("delta ndcg@10")
            dtext = f" | {d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]" if d else ""  # type: ignore[index]
            lines.append(f"{label:<{width}} | {cell:<21} | {folds_text:<30} | {rest}{dtext}")
        lines.append("")
    return "\n".join(lines)


def write_json(data: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
