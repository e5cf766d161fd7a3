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
sys.path.insert(0, str(ROOT / "bench"))

from assistant import crossval  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from index.embedder import DEFAULT_MODEL, open_embedder  # noqa: E402

OUT = ROOT / "bench" / "out"
CACHE = OUT / "embeddings"
REFERENCE = "baseline: e5 + char-BM25 RRF"
ADAPTER_REFERENCE = "default hybrid"


def adapted_methods(settings: Settings):
    """The base model's rows and the same rows with each fold's own adapter, trained on that
    fold's training part only (when one of its vectors is not cached yet)."""
    from assistant import adapter_training as training
    from index.offline_model import DEFAULT_MODEL_ID, ensure_default_model

    config = training.TrainingConfig()
    shared: dict[str, training.Encoder] = {}  # one base model and bottom-layer cache for all folds
    embedders: dict[int, crossval.CachingEmbedder] = {}

    def trained(fold: crossval.Fold, pairs, model_id: str):
        if "encoder" not in shared:
            shared["encoder"] = training.Encoder(ensure_default_model(settings.model_cache), config)
        print(f"fold {fold.index}: training on {len(pairs)} pairs", file=sys.stderr)
        started = time.perf_counter()
        peft_model = training.train(shared["encoder"], pairs)
        TRAIN_SECONDS[fold.index] = round(time.perf_counter() - started, 1)
        print(f"fold {fold.index}: trained in {TRAIN_SECONDS[fold.index]} s", file=sys.stderr)
        return training.FoldEmbedder(shared["encoder"], peft_model, model_id)

    def embedder_for(fold: crossval.Fold) -> crossval.CachingEmbedder:
        if fold.index not in embedders:
            pairs = training.fold_pairs(fold, config)
            model_id = f"{DEFAULT_MODEL_ID}+lora-fold{fold.index}@{training.pairs_checksum(pairs, config)[:12]}"
            embedders[fold.index] = crossval.CachingEmbedder(
                model_id, lambda: trained(fold, pairs, model_id), CACHE
            )
        return embedders[fold.index]

    def adapted(ranking, method):
        return lambda fold: crossval.SearcherRetriever(embedder_for(fold), ranking, method)

    base = base_embedder(settings)
    rows = [
        ("dense (plain e5)", crossval.BASELINE, "dense"),
        ("baseline: e5 + char-BM25 RRF", crossval.BASELINE, "hybrid"),
        ("default hybrid", crossval.DEFAULT, "hybrid"),
    ]
    out: list[tuple[str, crossval.MethodFactory]] = []
    for label, ranking, method in rows:
        out.append((label, crossval.fixed_method(base, ranking, method)))
        out.append((f"adapted {label}", adapted(ranking, method)))
    return out, base, embedders


TRAIN_SECONDS: dict[int, float] = {}


def base_embedder(settings: Settings) -> crossval.CachingEmbedder:
    """The configured model (ZENREI_MODEL or the default), opened only if a vector is missing."""
    from index.offline_model import DEFAULT_MODEL_ID

    spec = settings.model
    model_id = DEFAULT_MODEL_ID if spec == DEFAULT_MODEL else f"spec:{spec}"
    return crossval.CachingEmbedder(model_id, lambda: open_embedder(spec, settings.model_cache), CACHE)


def kinds_per_fold():
    """fold -> the corpus relabelled by a kind model trained on that fold's training part."""
    from train_kinds import fold_relabeller

    made: dict[int, crossval.Relabel] = {}

    def relabel_for(fold: crossval.Fold) -> crossval.Relabel:
        if fold.index not in made:
            train = [inc for inc in fold.benchmark.labelled if inc.id in fold.train_ids]
            made[fold.index] = fold_relabeller(train)
        return made[fold.index]

    return relabel_for


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--sets", default=",".join(crossval.SET_NAMES), help="comma-separated query sets")
    parser.add_argument("--out", type=Path, default=OUT / "quality.json", help="where the JSON is written")
    parser.add_argument(
        "--adapter-folds",
        help="also the fine-tuned model, trained on each of these folds' training part (e.g. 0,1 or all)",
    )
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
    methods = crossval.standard_methods(embedder, kinds_per_fold())
    comparisons = crossval.compare(methods, all_folds, sets)
    embedder.save()
    data = crossval.report(comparisons, sets, reference=REFERENCE)
    adapter_data = None
    if args.adapter_folds:
        chosen = range(crossval.K) if args.adapter_folds == "all" else [int(f) for f in args.adapter_folds.split(",")]
        some = [all_folds[f] for f in chosen]
        adapter_rows, base, adapted = adapted_methods(settings)
        results = []
        for label, factory in adapter_rows:
            results.append(crossval.Comparison(label, crossval.cross_validate(factory, some, sets)))
            for cached in (base, *adapted.values()):
                cached.save()
        adapter_data = crossval.report(results, sets, reference=ADAPTER_REFERENCE)
        for name in sets:  # each adapted row against the same row with the base model
            for label, _ in adapter_rows[0::2]:
                a = next(c for c in results if c.label == f"adapted {label}")
                b = next(c for c in results if c.label == label)
                diff = crossval.paired_difference(a.results, b.results, name)
                adapter_data[name][f"adapted {label}"]["delta ndcg@10 vs base model"] = diff.as_dict()
    meta = {
        "model": embedder.model_id,
        "folds": crossval.K,
        "fold_sizes": {f.index: len(f.test_ids) for f in all_folds},
        "seconds": round(time.perf_counter() - started, 1),
    }
    out = {"meta": meta, "sets": data}
    if adapter_data is not None:
        meta["adapter_folds"] = list(chosen)
        meta["adapter_train_seconds"] = TRAIN_SECONDS
        out["adapter"] = adapter_data
    crossval.write_json(out, args.out)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(f"model: {meta['model']}; test incidents per fold: {meta['fold_sizes']}; {meta['seconds']} s")
        print("cross-validated: every figure is the mean over test-fold queries [bootstrap 95% interval]\n")
        print(crossval.format_report(data, reference=REFERENCE))
        if adapter_data is not None:
            print(f"== fine-tuned model (LoRA), trained per fold on its training part; test folds {list(chosen)}")
            print(crossval.format_report(adapter_data, reference=ADAPTER_REFERENCE))
            for name in sets:
                for label, row in adapter_data[name].items():
                    d = row.get("delta ndcg@10 vs base model")
                    if d:
                        print(f"{name}: {label} − base model: {d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
