"""Building never blocks answering: the last good index answers while the new one is built."""

from __future__ import annotations

import threading

import pytest
from conftest import SEED, FakeEmbedder

from assistant.engine import open_engine, open_engine_handle
from assistant.settings import Settings
from data import read_table
from index.storage import (
    INCIDENTS_FILE,
    build_searcher,
    expected_manifest,
    load_last_good,
    open_searcher,
    save_searcher,
)

NEW_CASE = "児童手当の通知書を封筒に入れる際、他の世帯の通知書を同封して郵送した。"
QUESTION = "封筒に別の人の受給者証を入れてしまった"
BUILD_THREADS = ("zenrei-index-build", "forced-build")  # the engine's background build; the test's own


class GatedEmbedder(FakeEmbedder):
    """The fake embedder; once `hold` is set, a build thread's embedding waits for `release`."""

    def __init__(self):
        self.hold = threading.Event()
        self.release = threading.Event()
        self.waiting = threading.Event()

    def embed(self, texts, prompt, progress=None):
        if self.hold.is_set() and threading.current_thread().name in BUILD_THREADS:
            self.waiting.set()
            assert self.release.wait(60), "the test never released the build"
        return super().embed(texts, prompt, progress)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ZENREI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    return Settings.from_env()


def _add_a_table(tmp_path, monkeypatch) -> Settings:
    extra = tmp_path / "new.csv"
    extra.write_text(f"id,年度,事案の内容,再発防止策\nN-1,R7,{NEW_CASE},封入時に二人で確認する\n", encoding="utf-8")
    monkeypatch.setenv("ZENREI_DATA", f"{SEED}:{extra}")
    return Settings.from_env()


def test_the_last_good_index_answers_over_the_incidents_it_was_built_from(tmp_path, fake_embedder):
    seed = read_table(SEED).incidents
    searcher = build_searcher(seed, fake_embedder)
    save_searcher(searcher, expected_manifest(seed, fake_embedder, "data-sum"), tmp_path / "index")
    last = load_last_good(fake_embedder, tmp_path / "index")
    assert last is not None and last.incidents == searcher.incidents
    assert [h.incident.id for h in last.search(QUESTION)] == [h.incident.id for h in searcher.search(QUESTION)]


def test_no_last_good_index_for_another_model_or_a_damaged_snapshot(tmp_path, fake_embedder):
    seed = read_table(SEED).incidents
    save_searcher(build_searcher(seed, fake_embedder), expected_manifest(seed, fake_embedder, "x"), tmp_path / "index")

    class OtherModel(FakeEmbedder):
        model_id = "another-model"

    assert load_last_good(OtherModel(), tmp_path / "index") is None
    snapshot = tmp_path / "index" / INCIDENTS_FILE
    snapshot.write_text(snapshot.read_text(encoding="utf-8").replace("受給者証", "受給者票"), encoding="utf-8")
    assert load_last_good(fake_embedder, tmp_path / "index") is None  # its checksum no longer matches
    assert load_last_good(fake_embedder, tmp_path / "nowhere") is None


def test_a_forced_rebuild_leaves_the_saved_index_loadable_until_the_new_one_is_in(tmp_path):
    seed = read_table(SEED).incidents
    embedder = GatedEmbedder()
    directory = tmp_path / "index"
    open_searcher(seed, embedder, "sum", directory)
    embedder.hold.set()
    builder = threading.Thread(
        target=open_searcher, args=(seed, embedder, "sum", directory), kwargs={"force": True}, name="forced-build"
    )
    builder.start()
    assert embedder.waiting.wait(30)
    # Mid-build, another process opening the index loads the saved one at once.
    searcher, rebuilt = open_searcher(seed, FakeEmbedder(), "sum", directory)
    assert rebuilt is None and len(searcher.incidents) == 19
    embedder.release.set()
    builder.join(60)
    assert not builder.is_alive()


def test_after_the_data_changed_questions_are_answered_from_the_last_good_index_while_it_rebuilds(
    tmp_path, settings, monkeypatch
):
    embedder = GatedEmbedder()
    open_engine(settings, embedder=embedder)  # the index of the seed table, saved
    changed = _add_a_table(tmp_path, monkeypatch)
    embedder.hold.set()

    handle = open_engine_handle(changed, embedder=embedder)
    assert embedder.waiting.wait(30) and handle.building
    assert handle.stale_because  # says why: the data changed
    engine = handle.engine
    assert len(engine.corpus.incidents) == 19
    assert engine.searcher.search(QUESTION, top_k=3)  # answered now, not after the build

    embedder.release.set()
    assert handle.wait(60)
    assert handle.stale_because is None and handle.error is None
    assert "N-1" in {inc.id for inc in handle.engine.corpus.incidents}
    assert handle.engine.searcher.search(NEW_CASE, top_k=1)[0].incident.id == "N-1"
    # The next start loads what the background build saved.
    assert open_engine_handle(changed, embedder=FakeEmbedder()).building is False


def test_a_failed_background_build_is_reported_and_the_last_good_index_keeps_answering(tmp_path, settings, monkeypatch):
    open_engine(settings, embedder=FakeEmbedder())
    changed = _add_a_table(tmp_path, monkeypatch)

    class Broken(FakeEmbedder):
        def embed(self, texts, prompt, progress=None):
            if threading.current_thread().name in BUILD_THREADS:
                raise RuntimeError("disk full")
            return super().embed(texts, prompt, progress)

    handle = open_engine_handle(changed, embedder=Broken())
    assert handle.wait(60)
    assert "disk full" in handle.error
    assert len(handle.engine.corpus.incidents) == 19 and handle.engine.searcher.search(QUESTION)


def test_with_no_index_at_all_the_first_start_builds_before_answering(settings):
    handle = open_engine_handle(settings, embedder=FakeEmbedder())
    assert not handle.building and handle.stale_because is None
    assert len(handle.engine.corpus.incidents) == 19


@pytest.fixture
def rebuilding(tmp_path, settings, monkeypatch):
    """A saved index of the seed, a table added since, and pages whose background build waits
    for `release` on the embedder this yields."""
    import streamlit as st

    open_engine(settings, embedder=FakeEmbedder())
    _add_a_table(tmp_path, monkeypatch)
    embedder = GatedEmbedder()
    embedder.hold.set()
    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: embedder)
    st.cache_resource.clear()
    yield embedder
    embedder.release.set()
    st.cache_resource.clear()


def _page(name: str):
    from conftest import REPO
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "ui" / name), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def test_the_chat_page_answers_from_the_last_good_index_and_says_it_is_rebuilding(rebuilding):
    from ui.engine import get_engine_handle

    at = _page("chat.py")
    assert any("索引を作り直しています" in info.value and "19件" in info.value for info in at.info)
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    assert any("件見つけました" in m.value for m in at.markdown)  # answered while building

    rebuilding.release.set()
    assert get_engine_handle().wait(60)
    at.chat_input[0].set_value(NEW_CASE).run()
    assert not at.exception
    assert not any("索引を作り直しています" in info.value for info in at.info)
    assert any("N-1" in m.value.replace("\\", "") for m in at.markdown)  # the page escapes data


def test_the_data_page_waits_for_the_build_before_taking_changes(rebuilding):
    from ui.engine import get_engine_handle

    at = _page("data.py")
    assert any("取り込みと編集はお待ちください" in info.value for info in at.info)
    assert not at.get("file_uploader")  # nothing to change while the build runs
    rebuilding.release.set()
    assert get_engine_handle().wait(60)
    at.run()
    assert not at.exception and at.get("file_uploader")
