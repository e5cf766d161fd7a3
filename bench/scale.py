"""Scale on one machine: build time, index size, peak memory and query latency at 10k–1M incidents.

    HF_HUB_OFFLINE=1 python bench/scale.py                       # 10k, 100k, 1M
    HF_HUB_OFFLINE=1 python bench/scale.py --sizes 10000 --queries 50
    HF_HUB_OFFLINE=1 python bench/scale.py --recall               # ANN recall@10 vs exact, e5 vectors

The corpora recombine the real incidents (every table in data/tables): each synthetic
description is three clauses cut from real descriptions at 、/。, and its measures are real
measures. Nothing is a random vector, but encoding 1M descriptions with the real model takes
hours on 2 cores, so only the first `--embedded` synthetic descriptions are really embedded
(cached under ZENREI_HOME/bench, so a rerun skips it); description i >= that count gets the
vector of description i mod count plus small Gaussian noise. Measures are all real measures,
each embedded once, so their vectors are exact. The output says which part was replicated.

Each size runs in its own process, so peak memory (ru_maxrss) is that size's alone. Latency is
one `Searcher.search` call (hybrid: embed the question, dense leg, BM25 leg with synonym
expansion, fusion), model loaded and index built, with and without a filter; the lexical
share is the time of the BM25 leg (`LexicalIndex.scores` + ranking) over the whole call.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from questions import QUERIES  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

NOISE = 0.004  # per-dimension sd of the noise on replicated vectors: |noise| ~ 0.08 of a unit vector
GENERATOR_SEED = 0


def real_incidents():
    from assistant.corpus import load_corpus
    from assistant.settings import Settings

    return list(load_corpus(Settings.from_env().tables).incidents)


def synthetic_incidents(real, size: int, seed: int = GENERATOR_SEED):
    """`size` incidents recombining clauses of real descriptions and real measures.

    Incident i depends only on the seed and i's predecessors, so the first n incidents of any
    larger corpus are the corpus of size n (the embedded prefix is shared by every size).
    """
    rng = random.Random(seed)
    clauses = sorted({c for inc in real for c in re.split(r"(?<=[、。])", inc.description) if len(c) > 1})
    measures = sorted({m for inc in real for m in inc.measures})
    out = []
    for i in range(size):
        base = real[i % len(real)]  # years, categories, kinds and sources keep the real mix
        text = "".join(rng.sample(clauses, k=3)).rstrip("、") + "。"
        out.append(
            replace(
                base,
                id=f"S{i + 1}",
                line=i + 1,
                description=text,
                measures=tuple(rng.sample(measures, k=rng.randint(1, 2))),
            )
        )
    return out


def open_model():
    from assistant.settings import Settings
    from index.embedder import open_embedder

    settings = Settings.from_env()
    return open_embedder(settings.model, settings.model_cache), settings.home / "bench"


def embedded_prefix(embedder, cache: Path, count: int, real) -> np.ndarray:
    """Real-model vectors of the first `count` synthetic descriptions (cached on disk)."""
    from index.storage import DESCRIPTION_PROMPT

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", embedder.model_id)
    path = cache / f"descriptions-{safe}-seed{GENERATOR_SEED}-{count}.npy"
    if path.exists():
        return np.load(path)
    texts = [inc.description for inc in synthetic_incidents(real, count)]
    vectors = np.asarray(embedder.embed(texts, DESCRIPTION_PROMPT), dtype=np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def description_vectors(prefix: np.ndarray, size: int, seed: int = 1) -> np.ndarray:
    """Real vectors for the embedded prefix; row i beyond it = row i mod prefix + noise."""
    out = np.empty((size, prefix.shape[1]), dtype=np.float32)
    head = min(size, len(prefix))
    out[:head] = prefix[:head]
    rng = np.random.default_rng(seed)
    for start in range(head, size, 65_536):  # chunks keep the float64 noise small at 1M
        stop = min(size, start + 65_536)
        rows = np.arange(start, stop) % len(prefix)
        out[start:stop] = prefix[rows] + rng.normal(scale=NOISE, size=(stop - start, prefix.shape[1]))
    return out


def query_vectors(embedder, real) -> np.ndarray:
    """Queries for recall: the questions, and the real descriptions (a new incident's text)."""
    from index.embedder import QUERY

    return np.asarray(embedder.embed(QUERIES + [inc.description for inc in real], QUERY), dtype=np.float32)


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1)


class _Timer:
    """Wraps a callable and sums the time spent in it."""

    def __init__(self, fn):
        self.fn, self.total = fn, 0.0

    def __call__(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.total += time.perf_counter() - t0


def _latencies(searcher, n_queries: int, filters) -> dict:
    """p50/p95 of the whole call and of its parts, per query (ms).

    `index` is the call without the question's embedding: the part that grows with the corpus
    (dense leg, BM25 leg, filter, fusion). `lexical` is LexicalIndex.scores + the BM25 ranking.
    """
    import index.searcher as searcher_module

    timers = {
        "lexical": _Timer(searcher.lexical.scores),
        "ranking": _Timer(searcher_module._lexical_ranking),
        "dense": _Timer(searcher.descriptions.search),
        "embed": _Timer(searcher.embedder.embed),
    }
    searcher.lexical.scores, searcher_module._lexical_ranking = timers["lexical"], timers["ranking"]
    searcher.descriptions.search, searcher.embedder.embed = timers["dense"], timers["embed"]
    parts: dict[str, list[float]] = {"total": [], "index": [], "lexical": [], "dense": [], "embed": []}
    try:
        searcher.search(QUERIES[0], top_k=5, filters=filters)  # warm-up
        for i in range(n_queries):
            before = {name: t.total for name, t in timers.items()}
            t0 = time.perf_counter()
            hits = searcher.search(QUERIES[i % len(QUERIES)], top_k=5, filters=filters)
            total = time.perf_counter() - t0
            assert len(hits) == 5
            spent = {name: (t.total - before[name]) * 1000 for name, t in timers.items()}
            parts["total"].append(total * 1000)
            parts["embed"].append(spent["embed"])
            parts["index"].append(total * 1000 - spent["embed"])
            parts["lexical"].append(spent["lexical"] + spent["ranking"])
            parts["dense"].append(spent["dense"])
    finally:
        del searcher.lexical.scores, searcher.descriptions.search, searcher.embedder.embed
        searcher_module._lexical_ranking = timers["ranking"].fn
    out = {}
    for name, values in parts.items():
        out[f"{name}_p50_ms"] = _percentile(values, 50)
        out[f"{name}_p95_ms"] = _percentile(values, 95)
    out["lexical_share"] = round(sum(parts["lexical"]) / sum(parts["total"]), 2)
    out["lexical_share_of_index"] = round(sum(parts["lexical"]) / sum(parts["index"]), 2)
    return out


def _disk_size(searcher, directory: Path) -> int:
    from index.storage import DESCRIPTIONS_FILE, LEXICAL_DIR

    searcher.descriptions.save(directory / DESCRIPTIONS_FILE)
    searcher.lexical.save(directory / LEXICAL_DIR)
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def tiled_lexical(base, times: int):
    """The BM25 index of `base`'s documents repeated `times` times (copy j of doc d is row j*n+d).

    Building BM25 over 1M documents from text takes ~30 min and well over 8 GiB here (Python
    lists of n-grams), so the 1M run tiles the 100k index: every posting list is `times` as
    long, as in a real 1M corpus, which is what the query cost depends on. Scores differ from a
    true build only through BM25's +0.5 smoothing of idf.
    """
    import copy

    from index.lexical import LexicalIndex

    def tile(model):
        scores = model.scores
        data, indices, indptr, n = scores["data"], scores["indices"], scores["indptr"], scores["num_docs"]
        new_data = np.empty(data.size * times, dtype=data.dtype)
        new_indices = np.empty(indices.size * times, dtype=indices.dtype)
        new_indptr = indptr.astype(np.int64) * times
        offsets = (np.arange(times, dtype=np.int64) * n)[:, None]
        for t in range(indptr.size - 1):
            a, b = indptr[t], indptr[t + 1]
            lo, hi = new_indptr[t], new_indptr[t + 1]
            new_data[lo:hi] = np.tile(data[a:b], times)
            new_indices[lo:hi] = (indices[a:b][None, :] + offsets).ravel()
        other = copy.copy(model)
        other.scores = {**scores, "data": new_data, "indices": new_indices, "indptr": new_indptr, "num_docs": n * times}
        return other

    return LexicalIndex(tile(base._text), tile(base._concepts), base.size * times)


def run_one(size: int, n_queries: int, embedded: int, lexical_limit: int) -> dict:
    from index.filters import Filters
    from index.storage import searcher_from_vectors

    real = real_incidents()
    t0 = time.perf_counter()
    embedder, cache = open_model()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    prefix = embedded_prefix(embedder, cache, embedded, real)
    embed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    base_size = min(size, lexical_limit)
    times = -(-size // base_size)
    incidents = synthetic_incidents(real, base_size)
    if times > 1:  # the text corpus repeated, ids renumbered (see tiled_lexical)
        size = base_size * times
        incidents = [
            replace(inc, id=f"S{j * base_size + i + 1}", line=j * base_size + i + 1)
            for j in range(times)
            for i, inc in enumerate(incidents)
        ]
    vectors = description_vectors(prefix, size)
    generate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    if times == 1:
        searcher = searcher_from_vectors(incidents, embedder, vectors)
        build_s, lexical_note = time.perf_counter() - t0, "built"
    else:
        from index.dense import DenseIndex
        from index.lexical import LexicalIndex
        from index.searcher import Searcher, lexical_document

        base = LexicalIndex.build([lexical_document(inc) for inc in incidents[:base_size]])
        base_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        searcher = Searcher(
            incidents,
            embedder,
            DenseIndex.build(vectors),
            tiled_lexical(base, times),
        )
        del base
        # Build time if BM25 were built from the text: dense part measured, BM25 scaled linearly.
        build_s = time.perf_counter() - t0 + base_s * times
        lexical_note = (
            f"tiled {times}x from {base_size:,} (build time: BM25 part estimated as {times} x {base_s:.0f} s)"
        )
    del vectors
    searcher.concept_vectors()  # as opening an engine does: the dictionary's groups, embedded once
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        disk = _disk_size(searcher, Path(tmp))
    unfiltered = _latencies(searcher, n_queries, None)
    year_filter = Filters(year_from=2020)
    allowed = len(year_filter.allowed(searcher.incidents)) / size
    filtered = _latencies(searcher, n_queries, year_filter)
    return {
        "incidents": size,
        "embedded": min(size, embedded),
        "replicated": max(0, size - embedded),
        "lexical": lexical_note,
        "dense_kind": searcher.descriptions.kind,
        "nprobe": searcher.descriptions.nprobe,
        "model_load_s": round(load_s, 1),
        "embed_s": round(embed_s, 1),
        "generate_s": round(generate_s, 1),
        "build_s": round(build_s, 1),
        "disk_mb": round(disk / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "filter": f"year_from=2020 ({allowed:.0%} allowed)",
        "unfiltered": unfiltered,
        "filtered": filtered,
        "model": embedder.model_id,
    }


def recall_table(embedded: int, sizes: list[int], nprobes: list[int]) -> list[dict]:
    """recall@10 of IVF against exact search, on e5 vectors, for several nprobe values."""
    from index.dense import DenseIndex, ivf_lists

    real = real_incidents()
    embedder, cache = open_model()
    prefix = embedded_prefix(embedder, cache, embedded, real)
    queries = query_vectors(embedder, real)
    rows = []
    for size in sizes:
        vectors = description_vectors(prefix, size)
        exact = DenseIndex.build(vectors, kind="flat")
        t0 = time.perf_counter()
        ivf = DenseIndex.build(vectors, kind="ivf")
        build_s = time.perf_counter() - t0
        del vectors
        truth = [set(exact.search(q, 10)[0].tolist()) for q in queries]
        t0 = time.perf_counter()
        for q in queries:
            exact.search(q, 100)
        flat_ms = (time.perf_counter() - t0) * 1000 / len(queries)
        for nprobe in nprobes:
            ivf._ivf.nprobe = nprobe
            t0 = time.perf_counter()
            found = [set(ivf.search(q, 100)[0][:10].tolist()) for q in queries]
            ivf_ms = (time.perf_counter() - t0) * 1000 / len(queries)
            recall = float(np.mean([len(f & t) / 10 for f, t in zip(found, truth, strict=True)]))
            rows.append(
                {
                    "vectors": size,
                    "nlist": ivf_lists(size),
                    "nprobe": nprobe,
                    "recall@10": round(recall, 3),
                    "ivf_ms": round(ivf_ms, 2),
                    "flat_ms": round(flat_ms, 2),
                    "ivf_build_s": round(build_s, 1),
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr)
        del exact, ivf
    return rows


def _table(rows: list[dict], keys: list[str]) -> str:
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row.get(k)) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--embedded", type=int, default=4096, help="descriptions really embedded (the rest replicated)")
    parser.add_argument("--recall", action="store_true", help="IVF recall@10 vs exact, and flat vs IVF latency")
    parser.add_argument("--nprobes", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--lexical-limit", type=int, default=100_000, help="above: BM25 tiled from this size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.recall:
        rows = recall_table(args.embedded, args.sizes, args.nprobes)
        print(_table(rows, list(rows[0])))
        print(
            f"\nqueries: {len(QUERIES)} questions + the real descriptions; vectors beyond the first "
            f"{args.embedded} are replicated with noise sd {NOISE}"
        )
        return
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.queries, args.embedded, args.lexical_limit), ensure_ascii=False))
        return
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)]
        cmd += ["--embedded", str(args.embedded), "--lexical-limit", str(args.lexical_limit)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            print(f"{size}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        for leg in ("unfiltered", "filtered"):
            row.update({f"{leg[:2]}_{k}": v for k, v in row.pop(leg).items()})
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr)
    keys = ["incidents", "embedded", "replicated", "dense_kind", "nprobe", "build_s", "disk_mb", "peak_rss_mb"]
    for leg in ("un", "fi"):
        keys += [f"{leg}_{part}_{q}_ms" for part in ("total", "index", "lexical") for q in ("p50", "p95")]
        keys += [f"{leg}_lexical_share_of_index"]
    print(_table(rows, keys))
    if rows:
        for row in rows:
            print(
                f"{row['incidents']:,}: BM25 {row['lexical']}; embed p50/p95 {row['un_embed_p50_ms']}/"
                f"{row['un_embed_p95_ms']} ms; dense p50/p95 {row['un_dense_p50_ms']}/{row['un_dense_p95_ms']} ms"
            )
        print(
            "\nun = no filter, fi = filter; index = the call without embedding the question; "
            f"model: {rows[0]['model']}; {args.queries} queries per column, hybrid, top 5; "
            f"filter {rows[0]['filter']}. Descriptions beyond the first {args.embedded} have the "
            f"vector of an embedded one plus noise (sd {NOISE}); measures are real and embedded."
        )


if __name__ == "__main__":
    main()
