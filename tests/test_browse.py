"""Browsing logic on the real tables: filters, literal text search, rows, counts and neighbours."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import REPO, SEED, FakeEmbedder

from assistant import browse as b
from assistant.corpus import load_corpus
from data import read_table
from index.filters import Filters
from index.storage import build_searcher

OTHERS = REPO / "data" / "tables" / "other_bodies_published.jsonl"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus([SEED, OTHERS])


@pytest.fixture(scope="module")
def seed():
    return load_corpus([SEED]).incidents


def test_no_filter_and_no_text_lists_every_incident_newest_first(corpus):
    listed = b.filter_incidents(corpus.incidents)
    assert len(listed) == len(corpus.incidents) == 99
    years = [i.fiscal_year for i in listed]
    known = [y for y in years if y is not None]
    assert known == sorted(known, reverse=True)
    assert years.index(None) == len(known)  # unknown years come after every known one


def test_ids_order_as_numbers_within_a_year(seed):
    fy2024 = [i.id for i in b.filter_incidents(seed, Filters(year_from=2024, year_to=2024))]
    assert fy2024 == ["12", "13", "14", "15", "16", "17", "18", "19"]


def test_filters_narrow_by_year_kind_source_and_contractor(corpus):
    seed_source = next(src for src in corpus.labels if src.endswith("seed.txt"))
    only_seed = b.filter_incidents(corpus.incidents, Filters(sources={seed_source}))
    assert {i.id for i in only_seed} == {str(n) for n in range(1, 20)}
    contractor = b.filter_incidents(corpus.incidents, Filters(sources={seed_source}, contractor=True))
    assert {i.id for i in contractor} == {"4", "9", "11", "13", "18"}
    misenclosure = b.filter_incidents(corpus.incidents, Filters(kinds={"誤封入"}, year_from=2022, year_to=2022))
    assert misenclosure and all("誤封入" in i.kinds and i.fiscal_year == 2022 for i in misenclosure)
    assert {"1", "2"} <= {i.id for i in misenclosure}


def test_text_search_requires_every_word_in_description_or_measures(seed):
    assert {i.id for i in b.filter_incidents(seed, text="受給者証")} == {"12", "14", "19"}
    # A word found only in the measures counts: incident 19's measures say 宛名, its description does not.
    assert "宛名" not in seed[18].description
    assert "19" in {i.id for i in b.filter_incidents(seed, text="受給者証 宛名")}
    assert b.filter_incidents(seed, text="受給者証 ランサムウェア") == []


def test_text_search_is_nfkc_and_case_insensitive(seed):
    # The seed writes "Excel" in half-width letters; full-width or lower-case input still finds it.
    assert [i.id for i in b.filter_incidents(seed, text="ｅｘｃｅｌ")] == ["5"]
    assert [i.id for i in b.filter_incidents(seed, text="ｅｘｃｅｌ")] == [
        i.id for i in b.filter_incidents(seed, text="Excel")
    ]


@pytest.mark.parametrize("typed", ["(要配慮", "[要配慮", ".*", "\\", "a|b", "+"])
def test_text_search_takes_regex_characters_literally(seed, typed):
    # A regular expression would match everything (.*) or raise (unbalanced brackets).
    assert b.filter_incidents(seed, text=typed) == []


def test_rows_have_the_table_columns_with_era_labels_and_table_names(corpus):
    row = b.rows([corpus.by_id("9")], corpus.labels)[0]
    assert list(row) == ["id", "年度", "公表団体", "概要", "種類", "類型", "委託先", "出典", "西暦"]
    assert row["公表団体"] == "千葉市の公表事案（令和4〜6年度）"  # the seed names no body: its table's label
    assert row["id"] == "9" and row["年度"] == "令和5年度" and row["西暦"] == 2023
    assert row["類型"] == "100人以上・不正目的"
    assert row["出典"] == corpus.labels["data/tables/seed.txt"]
    assert row["委託先"] == "あり"
    description = corpus.by_id("9").description
    if len(description) > b.SHORT_CHARS:
        assert row["概要"].endswith("…") and len(row["概要"]) == b.SHORT_CHARS
    else:
        assert row["概要"] == description
    assert b.SHORT_CHARS >= 100  # enough to tell what happened (issue 13: cut at ~20 characters)


def test_a_case_of_another_body_shows_that_body_and_the_filter_keeps_only_it(corpus):
    incidents = [*corpus.incidents, *read_table(OTHERS).incidents]
    kamakura = [i for i in incidents if i.metadata.get("body") == "鎌倉市"]
    assert kamakura and b.rows(kamakura[:1])[0]["公表団体"] == "鎌倉市"
    kept = b.filter_incidents(incidents, only_bodies=["鎌倉市"], labels=corpus.labels)
    assert {i.id for i in kept} == {i.id for i in kamakura}
    assert b.filter_incidents(incidents, only_bodies=[]) == b.newest_first(incidents)
    assert b.bodies(incidents, corpus.labels)[0] == "千葉市の公表事案（令和4〜6年度）"  # most cases first


def test_each_kind_has_its_own_colour_whatever_the_chart_shows():
    colours = [b.kind_color(k) for k in [*b.KIND_VOCABULARY, b.UNCLASSIFIED]]
    assert len(set(colours)) == len(colours)
    domain, colour_range = b.kind_scale(["設定ミス", "FAX誤送信"])
    assert domain == ["FAX誤送信", "設定ミス"]  # the vocabulary's order, whatever order they came in
    assert colour_range == [b.KIND_COLORS["FAX誤送信"], b.KIND_COLORS["設定ミス"]]
    assert b.kind_color("新しい種類") not in b.KIND_COLORS.values()


def test_rows_say_unknown_year_and_unclassified_contractor():
    unknown = dataclasses.replace(load_corpus([SEED]).incidents[0], fiscal_year=None, contractor=None)
    row = b.rows([unknown])[0]
    assert row["年度"] == "年度不明" and row["西暦"] is None and row["委託先"] == "不明"


def test_counts_by_year_stacked_by_main_kind_add_up_to_the_incidents(seed):
    counted = b.counts_by(seed, b.by_year, b.by_main_kind)
    assert sum(r["count"] for r in counted) == len(seed) == 19
    per_year = {}
    for row in counted:
        per_year[row["value"]] = per_year.get(row["value"], 0) + row["count"]
    assert per_year == {"令和4年度": 7, "令和5年度": 4, "令和6年度": 8}
    assert {"value": "令和6年度", "stack": "紛失", "count": 3} in counted
    assert b.year_order(seed) == ["令和4年度", "令和5年度", "令和6年度"]


def test_counts_by_category_counts_an_incident_under_each_of_its_categories(seed):
    counted = {r["value"]: r["count"] for r in b.counts_by(seed, b.by_category)}
    assert counted == {"要配慮": 15, "不正目的": 3, "100人以上": 2}  # incident 9 has two
    assert list(counted) == ["要配慮", "不正目的", "100人以上"]  # most frequent first


def test_counts_by_source_uses_the_table_labels(corpus):
    counted = {r["value"]: r["count"] for r in b.counts_by(corpus.incidents, b.by_source(corpus.labels))}
    assert counted == {"他団体の公表事案": 80, corpus.labels["data/tables/seed.txt"]: 19}


def test_year_order_puts_unknown_years_last(corpus):
    order = b.year_order(corpus.incidents)
    assert order[-1] == "年度不明" and order[0] == "平成16年度" and "令和7年度" in order


def test_similar_to_leaves_the_case_itself_out_and_ranks_from_one(seed):
    searcher = build_searcher(seed, FakeEmbedder())
    incident = seed[18]  # 19: a benefit certificate sent to the wrong citizen
    similar = b.similar_to(incident, searcher, 5)
    assert len(similar) == 5
    assert incident.id not in [h.incident.id for h in similar]
    assert [h.rank for h in similar] == [1, 2, 3, 4, 5]
    assert "12" in [h.incident.id for h in similar[:3]]  # the same mistake, one year apart
    assert b.similar_to(dataclasses.replace(incident, description=" "), searcher, 5) == []


def test_text_search_finds_parentheses_literally(seed):
    # The seed's full-width （…） become ( ) under NFKC, so a typed "(" finds them, not an error.
    found = b.filter_incidents(seed, text="（元派遣社員)")
    assert [i.id for i in found] == ["9"]
