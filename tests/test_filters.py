"""Which incidents a filter lets through."""

import pytest
from conftest import SEED

from data import read_table
from index.filters import Filters


@pytest.fixture(scope="module")
def seed():
    return read_table(SEED).incidents


def test_no_filter_lets_everything_through(seed):
    assert Filters().is_empty
    assert Filters().allowed(seed) == list(range(19))


def test_year_range_is_inclusive(seed):
    kept = [seed[i] for i in Filters(year_from=2023, year_to=2024).allowed(seed)]
    assert {i.fiscal_year for i in kept} == {2023, 2024}
    assert len(kept) == 12


def test_a_year_bound_leaves_out_incidents_of_unknown_year(seed):
    from dataclasses import replace

    unknown = replace(seed[0], fiscal_year=None)
    assert Filters().matches(unknown)
    assert not Filters(year_from=2000).matches(unknown)


def test_categories_match_when_the_incident_has_any_of_them(seed):
    kept = {seed[i].id for i in Filters(categories={"不正目的", "100人以上"}).allowed(seed)}
    assert kept == {"5", "9", "11", "15"}


def test_sources_keep_only_incidents_from_those_tables(seed):
    assert Filters(sources={seed[0].source}).allowed(seed) == list(range(19))
    assert Filters(sources={"elsewhere.csv"}).allowed(seed) == []


def test_an_inverted_year_range_is_refused():
    with pytest.raises(ValueError, match="年度の範囲"):
        Filters(year_from=2024, year_to=2022)


def test_kinds_and_contractor_filter_on_the_classified_corpus():
    from assistant.corpus import load_corpus

    incidents = load_corpus([SEED]).incidents
    mailings = {incidents[i].id for i in Filters(kinds={"誤封入", "誤送付"}).allowed(incidents)}
    assert {"1", "2", "12", "14", "19"} <= mailings
    assert "11" not in mailings  # the ransomware case
    contractors = {incidents[i].id for i in Filters(contractor=True).allowed(incidents)}
    assert contractors == {"4", "9", "11", "13", "18"}


def test_the_vectorized_mask_lets_through_exactly_the_incidents_allowed_one_by_one():
    import dataclasses
    import itertools

    import numpy as np
    from conftest import REPO

    from assistant.corpus import load_corpus
    from index.filters import FilterColumns

    incidents = list(load_corpus([SEED, REPO / "data" / "tables" / "other_bodies_published.jsonl"]).incidents)
    incidents.append(dataclasses.replace(incidents[0], id="no-year", fiscal_year=None, contractor=None))
    columns = FilterColumns.of(incidents)
    sources = sorted({inc.source for inc in incidents})
    choices = [
        {},
        {"year_from": 2023},
        {"year_to": 2022},
        {"year_from": 2022, "year_to": 2022},
        {"categories": {"要配慮"}},
        {"categories": {"不正目的", "100人以上", "no such category"}},
        {"sources": {sources[0]}},
        {"sources": {"elsewhere.csv"}},
        {"kinds": {"誤封入", "紛失"}},
        {"contractor": True},
        {"contractor": False},
    ]
    for first, second in itertools.combinations_with_replacement(choices, 2):
        combined = {**first, **second}
        if combined.get("year_from", 0) > combined.get("year_to", 9999):
            continue
        filters = Filters(**combined)
        assert np.flatnonzero(filters.mask(columns)).tolist() == filters.allowed(incidents), filters
