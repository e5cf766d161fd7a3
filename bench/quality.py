"""Retrieval quality, cross-validated: grouped 5-fold by publishing body, figures on test folds.

    python bench/quality.py                  # every method, every query set (tables)
    python bench/quality.py --json           # the same as JSON (also written to bench/out/quality.json)
    python bench/quality.py --sets incident  # only some query sets
    python bench/quality.py --adapter index/adapters/zenrei-e5-small-lora --train-folds 0,1
                                             # + the fine-tuned model, retrained on each fold's training part

How it works (assistant/crossval.py): the 388 labelled incidents (the two other-bodies tables)
fall in 5 folds by `fold_of(body)`; the 19 seed incidents are in every corpus. Query sets: the
judged dev queries (over the seed; over seed + 80) and incident-as-query (each labelled
incident's description, or its first sentence, as the question over all 407 incidents; grade 2 =
same incident_subtype, 1 = same incident_type; itself excluded). Each figure is the mean over
test-fold queries with a bootstrap 95% interval (1000 resamples of the queries, fixed seed),
per-fold means, and the paired difference from the plain e5 + char-BM25 RRF baseline.

Methods: the legs alone; the baseline (no variant expansion, no concept tokens, no same-kind list,
no dense variant, RRF 1:1); the default hybrid; the default with each hand-made part switched
off alone. The hand-made parts learn nothing from folds (they were written reading the 80
other-bodies incidents and the dev queries, so on those sets their figures are not blind; the
308 incidents of the second table were never read for them). A learned method (the adapter)
is trained on each fold's training part and scored on its test part.

Embeddings are cached per (model id, prompt, text) in bench/out/embeddings/, so a second run
embeds nothing and takes seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import crossval  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from index.embedder import DEFAULT_MODEL, open_embedder  # noqa: E402

OUT = ROOT / "bench" / "out"
CACHE = OUT / "embeddings"
REFERENCE = "baseline: e5 + char-BM25 RRF"


def base_embedder(settings: Settings) -> crossval.CachingEmbedder:
    """The configured model (ZENREI_MODEL or the default), opened only if a vector is missing."""
    from index.offline_model import DEFAULT_MODEL_ID

    spec = settings.model
    model_id = DEFAULT_MODEL_ID if spec == DEFAULT_MODEL else f"spec:{spec}"
    return crossval.CachingEmbedder(model_id, lambda: open_embedder(spec, settings.model_cache), CACHE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--sets", default=",".join(crossval.SET_NAMES), help="comma-separated query sets")
    parser.add_argument("--out", type=Path, default=OUT / "quality.json", help="where the JSON is written")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in sets if s not in crossval.SET_NAMES]
    if unknown:
        parser.error(f"unknown query set(s): {', '.join(unknown)}; choose from {', '.join(crossval.SET_NAMES)}")

    started = time.perf_counter()
    settings = Settings.from_env()
    benchmark = crossval.bundled_benchmark()
    all_folds = crossval.folds(benchmark)
    embedder = base_embedder(settings)
    methods = crossval.standard_methods(embedder)
    comparisons = crossval.compare(methods, all_folds, sets)
    embedder.save()
    data = crossval.report(comparisons, sets, reference=REFERENCE)
    meta = {
        "model": embedder.model_id,
        "folds": crossval.K,
        "fold_sizes": {f.index: len(f.test_ids) for f in all_folds},
        "seconds": round(time.perf_counter() - started, 1),
    }
    crossval.write_json({"meta": meta, "sets": data}, args.out)
    if args.json:
        print(json.dumps({"meta": meta, "sets": data}, ensure_ascii=False, indent=1))
    else:
        print(f"model: {meta['model']}; test incidents per fold: {meta['fold_sizes']}; {meta['seconds']} s")
        print("cross-validated: every figure is the mean over test-fold queries [bootstrap 95% interval]\n")
        print(crossval.format_report(data, reference=REFERENCE))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
