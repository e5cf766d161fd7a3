"""Search latency under load: 16 sessions asking 50 questions each through one Searcher.

    python bench/concurrency.py                      # 16 threads x 50 questions, real model
    python bench/concurrency.py --threads 4 --questions 10

Uses the configured model, tables and index (Settings.from_env(): ZENREI_HOME, ZENREI_MODEL,
ZENREI_DATA), as the page does: one engine shared by every session's thread. Reports p50/p95
of one `answer()` call (hybrid, top 5) asked alone and under load, throughput, and whether the
concurrent answers equal the sequential ones.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--questions", type=int, default=50, help="questions per thread")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    from test_concurrency import questions

    from assistant.answer import answer
    from assistant.engine import open_engine
    from assistant.settings import Settings
    from index.embedder import open_embedder

    settings = Settings.from_env()
    started = time.perf_counter()
    embedder = open_embedder(settings.model, settings.model_cache)
    engine = open_engine(settings, embedder=embedder)
    opened = time.perf_counter() - started
    items = questions(args.questions)

    def ask(question: str) -> tuple[float, list[str]]:
        start = time.perf_counter()
        result = answer(question, searcher=engine.searcher)
        return time.perf_counter() - start, [hit.incident.id for hit in result.hits]

    answer(items[0], searcher=engine.searcher)  # warm-up: first call pays lazy initialisation
    alone = [ask(q) for q in items]
    expected = [ids for _, ids in alone]

    def session(_: int) -> list[tuple[float, list[str]]]:
        return [ask(q) for q in items]

    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        sessions = list(pool.map(session, range(args.threads)))
    wall = time.perf_counter() - wall
    loaded = [seconds for results in sessions for seconds, _ in results]
    same = all([ids for _, ids in results] == expected for results in sessions)

    report = {
        "model": embedder.model_id,
        "incidents": len(engine.corpus.incidents),
        "threads": args.threads,
        "questions_per_thread": args.questions,
        "cpus": os.cpu_count(),
        "open_seconds": round(opened, 2),
        "alone_p50_ms": round(1000 * statistics.median([s for s, _ in alone]), 1),
        "alone_p95_ms": round(1000 * percentile([s for s, _ in alone], 0.95), 1),
        "loaded_p50_ms": round(1000 * statistics.median(loaded), 1),
        "loaded_p95_ms": round(1000 * percentile(loaded, 0.95), 1),
        "loaded_max_ms": round(1000 * max(loaded), 1),
        "questions_per_second": round(len(loaded) / wall, 1),
        "same_answers_as_sequential": same,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key:<28} {value}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
