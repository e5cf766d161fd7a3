"""Build time, query latency (p50/p95) and peak memory, on the seed and on synthetic corpora.

    python bench/perf.py                      # the bundled tables (or ZENREI_DATA) + 10k synthetic, real model
    python bench/perf.py --sizes 1000 --queries 50

Each corpus runs in its own process so peak memory (ru_maxrss) is that corpus's alone.
The synthetic incidents recombine clauses of the real seed incidents (not random vectors), so
the text lengths and vocabulary are realistic. Latency is measured with the model loaded and
the index built: it is the time of one `Searcher.search` call, hybrid, top 5.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from questions import QUERIES  # noqa: E402
from scale import synthetic_incidents  # noqa: E402  (one generator for every bench)


def run_one(size: int, n_queries: int, fake: bool) -> dict:
    from assistant.corpus import load_corpus
    from assistant.settings import Settings
    from index.embedder import open_embedder
    from index.storage import build_searcher

    settings = Settings.from_env()
    seed = load_corpus(settings.tables).incidents
    t0 = time.perf_counter()
    if fake:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import FakeEmbedder

        embedder = FakeEmbedder()
    else:
        embedder = open_embedder(settings.model, settings.model_cache)
    load_s = time.perf_counter() - t0
    incidents = list(seed) if size == 0 else synthetic_incidents(seed, size)
    t0 = time.perf_counter()
    searcher = build_searcher(incidents, embedder)
    build_s = time.perf_counter() - t0
    searcher.search(QUERIES[0])  # warm-up
    latencies = []
    for i in range(n_queries):
        t0 = time.perf_counter()
        searcher.search(QUERIES[i % len(QUERIES)], top_k=5)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    return {
        "corpus": "bundled tables" if size == 0 else f"synthetic {size:,}",
        "incidents": len(incidents),
        "model_load_s": round(load_s, 2),
        "build_s": round(build_s, 2),
        "query_p50_ms": round(statistics.median(latencies), 2),
        "query_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "model": embedder.model_id,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[0, 10_000], help="0 = the configured tables as they are"
    )
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--fake", action="store_true", help="hashing embedder instead of the model (index cost only)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.queries, args.fake), ensure_ascii=False))
        return
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)] + (
            ["--fake"] if args.fake else []
        )
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
    keys = ["corpus", "incidents", "measures", "model_load_s", "build_s", "query_p50_ms", "query_p95_ms", "peak_rss_mb"]
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    print(f"\nmodel: {rows[0]['model']}; {args.queries} queries each, hybrid, top 5")


if __name__ == "__main__":
    main()
