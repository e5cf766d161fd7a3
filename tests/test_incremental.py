"""Index updates for added, edited and deleted cases: only new texts are embedded."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import SEED, FakeEmbedder

from assistant.engine import open_engine, refresh_engine
from assistant.importer import commit, validate
from assistant.settings import Settings
from assistant.store import Store, store_path
from data import read_table
from index import incremental
from index.storage import build_searcher

NEW_CASE = "児童手当の通知書を封筒に入れる際、他の世帯の通知書を同封して郵送した"


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, remembering every text it was asked to embed."""

    def __init__(self):
        self.texts: list[str] = []

    def embed(self, texts, prompt, progress=None):
        self.texts.extend(texts)
        return super().embed(texts, prompt, progress)


@pytest.fixture
def seed():
    return read_table(SEED).incidents


@pytest.fixture
def built(seed):
    embedder = CountingEmbedder()
    searcher = build_searcher(seed, embedder)
    embedder.texts.clear()
    return searcher, embedder


def _new_incident(seed, text=NEW_CASE, measures=("封入時に二人で確認する",)):
    return dataclasses.replace(seed[0], id="N-1", source="new.csv", line=2, description=text, measures=measures)


def test_an_added_case_is_found_and_only_its_text_is_embedded(built, seed):
    searcher, embedder = built
    updated, stats = incremental.sync(searcher, [*seed, _new_incident(seed)])
    assert embedder.texts == [NEW_CASE]  # nothing of the 19 old cases
    assert (stats.embedded, stats.reused) == (1, len(seed))
    assert updated.search(NEW_CASE, top_k=1)[0].incident.id == "N-1"
    assert len(updated.incidents) == len(seed) + 1


def test_unchanged_cases_rank_as_in_a_full_rebuild(built, seed):
    searcher, _ = built
    updated, _ = incremental.sync(searcher, [*seed, _new_incident(seed)])
    rebuilt = build_searcher([*seed, _new_incident(seed)], FakeEmbedder())
    query = "個人情報を含む書類の紛失"
    assert [h.incident.id for h in updated.search(query, 10)] == [h.incident.id for h in rebuilt.search(query, 10)]


def test_a_deleted_case_is_no_longer_found(built, seed):
    searcher, embedder = built
    target = seed[4]
    updated, _ = incremental.sync(searcher, [inc for inc in seed if inc.id != target.id])
    assert embedder.texts == []  # removing embeds nothing
    assert target.id not in {h.incident.id for h in updated.search(target.description, top_k=19)}


def test_an_edited_case_is_found_by_its_new_text_and_only_it_is_embedded(built, seed):
    searcher, embedder = built
    edited = dataclasses.replace(seed[2], description=NEW_CASE)
    updated, _ = incremental.sync(searcher, [edited if inc.id == edited.id else inc for inc in seed])
    assert embedder.texts == [NEW_CASE]
    assert updated.search(NEW_CASE, top_k=1)[0].incident.id == seed[2].id
    assert updated.incidents[2].description == NEW_CASE


@pytest.fixture
def settings(zenrei_home, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    return Settings.from_env()


def test_an_import_updates_the_saved_index_and_the_next_start_loads_it(tmp_path, settings, seed):
    embedder = CountingEmbedder()
    engine = open_engine(settings, embedder=embedder)
    path = tmp_path / "imported.csv"
    path.write_text(f"年度,事案の内容,再発防止策\nR6,{NEW_CASE},封入時に二人で確認する\n", encoding="utf-8")
    with Store(store_path(settings.home)) as store:
        commit(validate(path, store=store), store)
    embedder.texts.clear()
    engine, stats = refresh_engine(engine, settings)
    assert embedder.texts == [NEW_CASE] and stats.embedded == 1
    hit = engine.searcher.search(NEW_CASE, top_k=1)[0]
    assert hit.incident.citation == f"{path}:2"
    assert engine.corpus.label(hit.incident) == "取り込んだ事案（imported.csv）"
    embedder.texts.clear()
    reopened = open_engine(settings, embedder=embedder)
    # Loaded, not rebuilt: nothing is embedded, not even the dictionary's groups, whose
    # vectors are kept beside the index (index/concept_cache.py).
    assert reopened.rebuilt_because is None
    assert embedder.texts == []
    assert len(reopened.corpus.incidents) == len(seed) + 1


def test_edits_and_deletes_in_the_store_are_reflected_in_search_at_once(tmp_path, settings):
    engine = open_engine(settings, embedder=FakeEmbedder())
    path = tmp_path / "imported.csv"
    path.write_text(f"id,年度,事案の内容\nX-1,R6,{NEW_CASE}\n", encoding="utf-8")
    with Store(store_path(settings.home)) as store:
        commit(validate(path, store=store), store)
        engine, _ = refresh_engine(engine, settings)
        assert engine.searcher.search(NEW_CASE, top_k=1)[0].incident.id == "X-1"
        store.edit(dataclasses.replace(store.incidents()[0], description="FAX番号を誤って送信した"))
        engine, _ = refresh_engine(engine, settings)
        assert engine.searcher.search("FAX番号を誤って送信した", top_k=1)[0].incident.id == "X-1"
        store.delete("X-1")
        engine, _ = refresh_engine(engine, settings)
    assert "X-1" not in {h.incident.id for h in engine.searcher.search(NEW_CASE, top_k=20)}
    assert open_engine(settings, embedder=FakeEmbedder()).rebuilt_because is None


def test_a_stored_id_that_a_table_uses_is_shown_qualified(tmp_path, settings):
    path = tmp_path / "t.csv"
    path.write_text(f"id,年度,事案の内容\n1,R6,{NEW_CASE}\n", encoding="utf-8")
    with Store(store_path(settings.home)) as store:
        commit(validate(path, store=store), store)
    engine = open_engine(settings, embedder=FakeEmbedder())
    assert engine.corpus.by_id("取込:1").description == NEW_CASE
    assert engine.corpus.by_id("1").source == "data/tables/seed.txt"
    assert any("取込:1" in w for w in engine.corpus.warnings)


def test_the_cached_lexical_index_scores_exactly_as_a_fresh_build(seed):
    from index.lexical import LexicalIndex
    from index.searcher import lexical_document

    incidents = [*seed, _new_incident(seed)]
    fresh = LexicalIndex.build([lexical_document(inc) for inc in incidents])
    incremental.lexical_index(seed)  # warms the token cache with the old cases
    cached = incremental.lexical_index(incidents)
    for query in ("誤封入", "メールの誤送信", "個人情報を含む書類の紛失", NEW_CASE):
        assert cached.scores(query).tolist() == fresh.scores(query).tolist()
