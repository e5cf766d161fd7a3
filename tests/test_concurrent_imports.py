"""Imports refreshing the index at the same time: the index saved last holds every stored case.

Before, refresh_engine read the store, then waited for the build lock only to save: an import
that read the store before another's commit could save its older index over the newer one (2 of
7 runs of three concurrent CLI imports in issue #12). The race is made certain here: the first
thread is held for a moment right after reading the store, while the second commits and
refreshes. bench/concurrent_imports.py runs the same with processes, many times.
"""

from __future__ import annotations

import threading
import time

import pytest
from conftest import SEED, FakeEmbedder

import assistant.engine as engine_module
from assistant.engine import open_engine, refresh_engine
from assistant.importer import commit, validate
from assistant.settings import Settings
from assistant.store import Store, store_path
from index.storage import load_last_good


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ZENREI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    return Settings.from_env()


def _table(tmp_path, name: str, count: int):
    path = tmp_path / f"{name}.csv"
    rows = "".join(f"{name}-{n},R5,{name}の事案{n}: 窓口で書類を別の方に渡した\n" for n in range(count))
    path.write_text("id,年度,事案の内容\n" + rows, encoding="utf-8")
    return path


def _import(settings, path) -> None:
    with Store(store_path(settings.home)) as store:
        commit(validate(path, store=store), store)


def test_a_refresh_that_read_the_store_first_never_saves_over_a_newer_index(tmp_path, settings, monkeypatch):
    embedder = FakeEmbedder()
    base = open_engine(settings, embedder=embedder)  # the saved index of the seed
    read_by_a = threading.Event()
    original = engine_module.load_corpus

    def slow_for_a(*args, **kwargs):
        corpus = original(*args, **kwargs)
        if threading.current_thread().name == "A" and not read_by_a.is_set():
            read_by_a.set()
            time.sleep(0.5)  # long enough for B to commit and refresh, were it not for the lock
        return corpus

    monkeypatch.setattr(engine_module, "load_corpus", slow_for_a)
    errors: list[BaseException] = []

    def run(name: str, count: int, wait: threading.Event | None) -> None:
        try:
            if wait is not None:
                assert wait.wait(10)
            _import(settings, _table(tmp_path, name, count))
            refresh_engine(base, settings)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    a = threading.Thread(target=run, args=("a", 2, None), name="A")
    b = threading.Thread(target=run, args=("b", 3, read_by_a), name="B")
    a.start()
    b.start()
    a.join(30)
    b.join(30)
    assert errors == []
    with Store(store_path(settings.home)) as store:
        stored = len(store.incidents())
    saved = load_last_good(embedder, settings.index_dir)
    assert stored == 5 and saved is not None
    assert len(saved.incidents) == 19 + stored  # not 19 + 2: A's older index was not saved last


def test_three_imports_in_threads_leave_an_index_of_every_case(tmp_path, settings):
    embedder = FakeEmbedder()
    for run in range(3):
        base = open_engine(settings, embedder=embedder)
        barrier = threading.Barrier(3)

        errors: list[BaseException] = []

        def work(name: str, base=base, barrier=barrier, errors=errors) -> None:
            try:
                barrier.wait()
                _import(settings, _table(tmp_path, name, 4))
                refresh_engine(base, settings)
            except BaseException as failure:  # noqa: BLE001 - reported below
                errors.append(failure)

        threads = [threading.Thread(target=work, args=(f"r{run}t{n}",)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not any(thread.is_alive() for thread in threads)
        # Under a heavy load an import may wait past the store's busy timeout and be refused in
        # one line ("try again"), storing nothing: the property is that the index saved last
        # holds every case that *was* stored.
        assert all("使用中" in str(refused) for refused in errors), errors
        with Store(store_path(settings.home)) as store:
            stored = len(store.incidents())
        saved = load_last_good(embedder, settings.index_dir)
        assert saved is not None and len(saved.incidents) == 19 + stored
