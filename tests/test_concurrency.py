"""One Searcher serves every session of the page at once: threads must not change answers.

Streamlit runs each browser session in its own thread, all sharing the cached engine. Many
threads asking at the same time must get exactly what one thread asking alone gets.
"""

from __future__ import annotations

import itertools
import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import REPO, SEED, FakeEmbedder

from data import read_table, read_tables
from index.filters import Filters
from index.storage import build_searcher

OTHER_BODIES = REPO / "data" / "tables" / "other_bodies_published.jsonl"
FILTERS = (
    Filters(),
    Filters(categories=frozenset({"要配慮"})),
    Filters(year_from=2023, year_to=2024),
    Filters(categories=frozenset({"不正目的", "100人以上"}), year_from=2022),
)


def questions(n: int) -> list[str]:
    """`n` real questions: the evaluation sets' queries, in file order (repeated if needed)."""
    found = [
        json.loads(line)["query"]
        for path in sorted((REPO / "data" / "eval").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return list(itertools.islice(itertools.cycle(found), n))


def workload(n: int) -> list[tuple[str, Filters, int, str]]:
    """Questions with varied filters, sizes and methods, so every search path runs at once."""
    methods = ("hybrid", "hybrid", "dense", "lexical")
    return [(q, FILTERS[i % 4], 3 + i % 8, methods[i % 4]) for i, q in enumerate(questions(n))]


def signature(searcher, item) -> list[tuple[str, int, float, float]]:
    question, filters, top_k, method = item
    hits = searcher.search(question, top_k=top_k, filters=filters, method=method)
    return [(h.incident.id, h.rank, round(h.score, 6), round(h.similarity, 5)) for h in hits]


def run_concurrently(searcher, items, threads: int) -> list[dict[int, list]]:
    """Each thread asks every question, in its own shuffled order; returns answers per thread."""

    def session(seed: int) -> dict[int, list]:
        order = list(range(len(items)))
        random.Random(seed).shuffle(order)
        return {i: signature(searcher, items[i]) for i in order}

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(session, range(threads)))


@pytest.fixture(scope="module")
def searcher():
    return build_searcher(read_tables([SEED, OTHER_BODIES]).incidents, FakeEmbedder())


def test_the_workload_asks_fifty_distinct_real_questions():
    items = workload(50)
    assert len(items) == 50 and len({q for q, *_ in items}) >= 40


def test_sixteen_threads_of_fifty_questions_get_the_sequential_answers(searcher):
    items = workload(50)
    expected = {i: signature(searcher, item) for i, item in enumerate(items)}
    assert sum(bool(hits) for hits in expected.values()) >= 45  # the filters leave answers to compare
    for answers in run_concurrently(searcher, items, threads=16):
        assert answers == expected


@pytest.mark.real_model
def test_the_real_model_gives_the_same_answers_from_four_threads(real_model_dir):
    from index.embedder import open_embedder

    embedder = open_embedder(str(real_model_dir), real_model_dir.parent / "cache")
    searcher = build_searcher(read_table(SEED).incidents, embedder)
    items = workload(10)
    expected = {i: signature(searcher, item) for i, item in enumerate(items)}
    for answers in run_concurrently(searcher, items, threads=4):
        assert answers == expected


def test_eight_sessions_explaining_at_once_get_the_words_one_session_gets():
    """The shared words of a card are found with SudachiPy, whose tokenizer refuses two threads at
    once: one process-wide tokenizer made 3 of 88 answers of 8 browser sessions a SudachiError."""
    import threading

    from assistant.explain import highlight_spans, shared_words

    cases = [incident.description for incident in read_table(SEED).incidents]
    # Distinct texts for every call: the word cache must not hide the tokenizer from the threads.
    jobs = [[(q, f"{cases[(t + i) % len(cases)]}（{t}-{i}）") for i, q in enumerate(questions(20))] for t in range(8)]
    start = threading.Barrier(8)

    def session(t: int) -> list:
        start.wait()
        return [(shared_words(q, text), highlight_spans(q, text)) for q, text in jobs[t]]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(session, range(8)))
    from assistant import explain

    explain._content_words.cache_clear()
    alone = [[(shared_words(q, text), highlight_spans(q, text)) for q, text in job] for job in jobs]
    assert answers == alone
    assert sum(bool(words) for job in alone for words, _ in job) >= 30  # many pairs do share words
