"""How near-duplicate measures are merged for drafting, measured on hand-labelled measures.

    HF_HUB_OFFLINE=1 python bench/draft_merge.py [--model DIR]

Embeds every measure of the seed and of the other bodies' table once with the real model,
then sweeps the merge rule of assistant.drafting (prompt, lexical weight, linkage, threshold)
and scores each setting against GOLD below: pairwise precision and recall over pairs of
measures, leaving out the pairs marked NEUTRAL (reasonable people could merge them or not).
It also checks, on the pool a draft really clusters (the measures of the 8 cases nearest to
the mis-enclosure question), that seed incidents 2, 12, 14 and 19 come out as one item.
Finally it prints the items of that draft with the chosen setting.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from scipy.cluster.hierarchy import fcluster, linkage  # noqa: E402
from scipy.spatial.distance import squareform  # noqa: E402

from assistant import drafting  # noqa: E402
from data import read_tables  # noqa: E402
from index.embedder import PASSAGE, QUERY, SentenceTransformerEmbedder  # noqa: E402
from index.storage import build_searcher  # noqa: E402

TABLES = ("data/tables/seed.txt", "data/tables/other_bodies_published.jsonl")
QUESTION = "封筒に別の人の受給者証を入れて送ってしまった"
SEED_CHECK = {"2", "12", "14", "19"}

# Measures are named "<incident id>.<1-based measure position>". Each group is one action;
# measures in different groups, or in no group, should stay apart.
GOLD = {
    "another staff checks the addressee before sealing": ["2.4", "12.1", "14.1", "19.3", "HO-011.1", "HO-183.1"],
    "the approver ticks name and address": ["2.2", "2.3"],
    "training on personal information": ["6.2", "8.3", "17.2"],
    "take no documents on home visits": ["17.1", "17.3"],
    "two people check an email before sending": ["16.1", "HO-015.1", "HO-019.1", "HO-092.1"],
    "several people check before publishing": ["HO-001.2", "HO-040.1", "HO-170.1"],
    "thorough management of personal information": [
        "HO-006.1",
        "HO-004.1",
        "HO-002.1",
        "HO-106.1",
        "HO-174.1",
        "HO-146.1",
        "HO-170.2",
    ],
    "strive to prevent recurrence": [
        "HO-199.1",
        "HO-180.1",
        "HO-139.1",
        "HO-115.1",
        "HO-031.1",
        "HO-189.1",
        "HO-077.1",
    ],
    "strengthen the checking system": ["HO-096.1", "HO-179.1"],
    "report to the authorities": ["HO-105.2", "HO-095.2"],
    "check the envelopes against the sending list": ["1.3", "HO-181.1"],
    "investigate and report back": ["9.3", "HO-026.1"],
}
# (measure, group) pairs either way is fine: pairs of the measure with the group's members,
# and with its other neutral measures, are not scored.
NEUTRAL = {
    "another staff checks the addressee before sealing": ["10.1", "HO-149.1", "HO-201.1", "HO-181.1"],
    "training on personal information": ["HO-127.1", "HO-111.1", "HO-090.1", "HO-065.1"],
    "two people check an email before sending": ["HO-089.1"],
    "several people check before publishing": ["HO-124.1", "HO-137.1", "HO-075.1"],
    "strive to prevent recurrence": [
        "9.4",
        "HO-096.1",
        "HO-179.1",
        "HO-148.1",
        *GOLD["thorough management of personal information"],
    ],
    "check the envelopes against the sending list": ["HO-149.1"],
    "strengthen the checking system": ["HO-065.1"],
}

THRESHOLDS = np.round(np.arange(0.70, 0.96, 0.005), 3)
DETAIL = np.round(np.arange(0.88, 0.931, 0.005), 3)


def blend(weight: float):
    return lambda cosine, jaccard: (1 - weight) * cosine + weight * jaccard


# name -> (prompt, how cosine and bigram Jaccard make the merge similarity)
VARIANTS = {
    "cosine only, query: prefix": (QUERY, lambda cosine, jaccard: cosine),
    "cosine only, passage: prefix": (PASSAGE, lambda cosine, jaccard: cosine),
    "blend 0.95*cos + 0.05*J": (QUERY, blend(0.05)),
    "blend 0.85*cos + 0.15*J": (QUERY, blend(0.15)),
    "blend 0.70*cos + 0.30*J": (QUERY, blend(0.30)),
    "chosen: cos + 0.1*max(0, J-0.3)": (QUERY, drafting.combine),
}
CHOSEN = "chosen: cos + 0.1*max(0, J-0.3)"


def pair_labels(keys: list[str]) -> dict[tuple[int, int], bool]:
    """Scored pairs of positions in `keys`: True = should merge, False = should stay apart."""
    where = {k: i for i, k in enumerate(keys)}
    group_of = {m: g for g, members in GOLD.items() for m in members}
    excluded = set()
    for group, extra in NEUTRAL.items():
        near = GOLD[group] + extra
        excluded |= {frozenset((a, b)) for a in extra for b in near if a != b}
    labels = {}
    for a, b in itertools.combinations(keys, 2):
        if frozenset((a, b)) in excluded:
            continue
        same = a in group_of and group_of.get(a) == group_of.get(b)
        labels[(where[a], where[b])] = same
    return labels


def flat_clusters(similarity: np.ndarray, method: str, threshold: float) -> np.ndarray:
    distance = np.clip(1.0 - similarity, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    return fcluster(linkage(squareform(distance, checks=False), method=method), 1.0 - threshold, "distance")


def score(labels_of_pairs, assignment) -> tuple[float, float, int]:
    tp = fp = fn = 0
    for (i, j), same in labels_of_pairs.items():
        merged = assignment[i] == assignment[j]
        tp += merged and same
        fp += merged and not same
        fn += same and not merged
    precision = tp / (tp + fp) if tp + fp else 1.0
    return precision, tp / (tp + fn) if tp + fn else 1.0, fp


def seed_check(pool: list[int], keys: list[str], similarity, method, threshold) -> bool:
    """Do the four seed measures of the gold group land in one cluster of the draft's pool?"""
    assignment = flat_clusters(similarity[np.ix_(pool, pool)], method, threshold)
    wanted = {pool.index(keys.index(k)) for k in GOLD["another staff checks the addressee before sealing"][:4]}
    return len({assignment[i] for i in wanted}) == 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="sentence-transformers folder (default: the bundled e5)")
    args = parser.parse_args()
    if args.model:
        model = args.model
    else:
        from index.offline_model import ensure_default_model

        model = ensure_default_model(Path(tempfile.gettempdir()) / "zenrei-bench-models")
    embedder = SentenceTransformerEmbedder(model)
    incidents = read_tables(list(TABLES)).incidents
    keys = [f"{inc.id}.{j + 1}" for inc in incidents for j in range(len(inc.measures))]
    texts = [m for inc in incidents for m in inc.measures]
    missing = [k for members in [*GOLD.values(), *NEUTRAL.values()] for k in members if k not in keys]
    assert not missing, f"labels name measures that do not exist: {missing}"
    labels = pair_labels(keys)
    print(f"{len(texts)} measures, {len(labels)} scored pairs, {sum(labels.values())} should merge")

    cosine = {}
    for prompt in (QUERY, PASSAGE):
        start = time.perf_counter()
        vectors = embedder.embed(texts, prompt)
        cosine[prompt] = vectors @ vectors.T
        print(f"embedded with {prompt!r} in {time.perf_counter() - start:.1f}s")
    jaccard = drafting.bigram_jaccard(texts)

    # The pool one draft clusters: measures of the 8 nearest cases, on the seed and on both tables.
    pools = {}
    for name, tables in (("seed", TABLES[:1]), ("seed+other", TABLES)):
        searcher = build_searcher(read_tables(list(tables)).incidents, embedder)
        ids = {hit.incident.id for hit in searcher.search(QUESTION, top_k=drafting.DEFAULT_TOP_K)}
        pools[name] = [i for i, k in enumerate(keys) if k.rsplit(".", 1)[0] in ids]

    def sweep(similarity, method, thresholds):
        for threshold in thresholds:
            precision, recall, fp = score(labels, flat_clusters(similarity, method, threshold))
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            checks = all(seed_check(pool, keys, similarity, method, threshold) for pool in pools.values())
            yield threshold, precision, recall, f1, fp, checks

    print("\nBest pairwise F1 of each rule (average linkage unless named), and how far the seed check holds")
    print(f"{'rule':40s} {'thr':>5s} {'P':>6s} {'R':>6s} {'F1':>6s} {'false':>5s}  seed check holds up to")
    runs = [(name, "average") for name in VARIANTS] + [(CHOSEN, "single"), (CHOSEN, "complete")]
    for name, method in runs:
        prompt, rule = VARIANTS[name]
        rows = list(sweep(rule(cosine[prompt], jaccard), method, THRESHOLDS))
        threshold, precision, recall, f1, fp, _ = max(rows, key=lambda row: row[3])
        holds = max((row[0] for row in rows if row[5]), default=None)
        label = name if method == "average" else f"{name} [{method}]"
        print(f"{label:40s} {threshold:5.3f} {precision:6.3f} {recall:6.3f} {f1:6.3f} {fp:5d}  {holds}")

    prompt, rule = VARIANTS[CHOSEN]
    print(f"\nThe chosen rule around its threshold ({drafting.MERGE_THRESHOLD}):")
    print(f"{'thr':>5s} {'P':>6s} {'R':>6s} {'F1':>6s} {'false':>5s}  seed check on both pools")
    for threshold, precision, recall, f1, fp, checks in sweep(rule(cosine[prompt], jaccard), "average", DETAIL):
        mark = "  <- MERGE_THRESHOLD" if abs(threshold - drafting.MERGE_THRESHOLD) < 1e-9 else ""
        print(f"{threshold:5.3f} {precision:6.3f} {recall:6.3f} {f1:6.3f} {fp:5d}  {checks}{mark}")

    print(f"\nThe draft for 「{QUESTION}」 on the seed, with the chosen setting:")
    searcher = build_searcher(read_tables(list(TABLES[:1])).incidents, embedder)
    gathered = drafting.gather_measures(QUESTION, searcher)
    for group in gathered.groups:
        cited = "、".join(c.label for c in group.citations)
        print(f"[{group.support:.2f}] {group.theme}: {group.text}\n        〔{cited}〕 {len(group.variants)} wordings")


if __name__ == "__main__":
    main()
