"""What the domain adapter costs: model opening, question time, and building the bundled index.

    python bench/adapter_cost.py     # base model vs base + shipped adapter (index/adapters/)

The adapter is merged into the weights when the model opens (index/adapter.py), so a question
runs the very same network either way; this checks it on the product's path (the default model
as `open_embedder` opens it, ZENREI_ADAPTER off and on: questions in NumPy, the build's batches
in sentence-transformers): median and p95 of one hybrid search per question (bench/questions.py,
each asked 5 times after a warm-up, every time embedded anew), the seconds to the first question
vector, and the seconds to build the index of every bundled incident (407 descriptions embedded,
BM25 built), as `build` does.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.corpus import load_corpus  # noqa: E402
from assistant.settings import Settings, bundled_tables  # noqa: E402
from bench.questions import QUERIES  # noqa: E402
from index.adapter import ADAPTER_ENV  # noqa: E402
from index.embedder import DEFAULT_MODEL, open_embedder  # noqa: E402
from index.storage import build_searcher  # noqa: E402

ROUNDS = 5


def measure(label: str, opener) -> dict[str, float]:
    started = time.perf_counter()
    embedder = opener()
    embedder.embed(["封筒"], "query")  # opening is lazy: time to the first question's vector
    opened = time.perf_counter() - started
    incidents = load_corpus(bundled_tables()).incidents
    started = time.perf_counter()
    searcher = build_searcher(incidents, embedder)
    built = time.perf_counter() - started
    searcher.concept_vectors()
    for q in QUERIES:  # warm-up
        searcher.search(q, top_k=5)
    times = []
    forget = getattr(embedder, "_recent", {})  # remembered question vectors: a new question has none
    for _ in range(ROUNDS):
        for q in QUERIES:
            forget.clear()
            t = time.perf_counter()
            searcher.search(q, top_k=5)
            times.append((time.perf_counter() - t) * 1000)
    row = {
        "model_id": embedder.model_id,
        "open_s": opened,
        "build_s": built,
        "incidents": len(incidents),
        "p50_ms": float(np.percentile(times, 50)),
        "p95_ms": float(np.percentile(times, 95)),
    }
    print(
        f"{label:<28} open {opened:5.1f} s | build {len(incidents)} incidents {built:5.1f} s | "
        f"search p50 {row['p50_ms']:5.1f} ms p95 {row['p95_ms']:5.1f} ms  ({embedder.model_id})"
    )
    return row


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    cache = Settings.from_env().model_cache

    def default_model(adapter: str):
        os.environ[ADAPTER_ENV] = adapter
        return open_embedder(DEFAULT_MODEL, cache)

    base = measure("base model", lambda: default_model("0"))
    adapted = measure("base + adapter (merged)", lambda: default_model("1"))
    if adapted["model_id"] == base["model_id"]:
        raise SystemExit("the adapter was not applied (see the warning above)")
    print(f"search p50 ratio adapted/base: {adapted['p50_ms'] / base['p50_ms']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
