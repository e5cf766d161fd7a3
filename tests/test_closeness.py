"""Closeness labels (close / near / distant) and the no-precedent verdict asked of the whole corpus."""

from __future__ import annotations

import pytest
from conftest import SEED

from assistant import precedent
from assistant.answer import answer
from assistant.precedent import Calibration, label_hits
from data import read_table
from index.filters import Filters
from index.searcher import Hit
from index.storage import build_searcher

# P(relevant) rises with the cosine only, so the tests can say what each hit should be.
BY_COSINE = Calibration(coef=(40.0, 0.0, 0.0), intercept=-32.0, near=0.3, close=0.7)


def _hit(rank: int, similarity: float) -> Hit:
    incident = read_table(SEED).incidents[rank - 1]
    return Hit(incident=incident, rank=rank, score=1.0 / rank, similarity=similarity, lexical_score=0.0)


@pytest.fixture
def calibrated(monkeypatch):
    monkeypatch.setattr(precedent, "calibration_for", lambda model_id: BY_COSINE)


def test_levels_follow_the_calibrated_probability():
    assert BY_COSINE.level("封筒", _hit(1, 0.85)) == "close"  # p = 0.88
    assert BY_COSINE.level("封筒", _hit(1, 0.80)) == "near"  # p = 0.5
    assert BY_COSINE.level("封筒", _hit(1, 0.75)) == "distant"  # p = 0.12


def test_cards_keep_their_rank_and_no_card_is_labelled_closer_than_the_one_above(calibrated):
    hits = [_hit(1, 0.86), _hit(2, 0.79), _hit(3, 0.85), _hit(4, 0.70)]
    labelled = label_hits("封筒", hits, "any")
    assert [h.incident.id for h in labelled] == ["1", "2", "3", "4"]  # ranked order, so more shows what follows
    assert [h.closeness for h in labelled] == ["close", "near", "near", "distant"]  # 3 alone would be close


def test_a_model_without_calibration_gets_no_labels(monkeypatch):
    monkeypatch.setattr(precedent, "calibration_for", lambda model_id: None)
    hits = [_hit(1, 0.9)]
    assert label_hits("封筒", hits, "other-model") == tuple(hits)


def test_a_filter_never_turns_a_real_precedent_into_no_precedent(calibrated, fake_embedder, monkeypatch):
    searcher = build_searcher(read_table(SEED).incidents, fake_embedder)
    question = searcher.incidents[0].description
    # The whole corpus holds the question's own case; the filter leaves only cases unlike it.
    only_others = Filters(year_from=searcher.incidents[0].fiscal_year + 1)
    monkeypatch.setattr(precedent, "calibration_for", lambda model_id: Calibration((40.0, 0, 0), -36.0, 0.3, 0.7))
    filtered = answer(question, only_others, searcher=searcher)
    assert filtered.hits and all(h.incident.fiscal_year > searcher.incidents[0].fiscal_year for h in filtered.hits)
    assert not filtered.distant
    unrelated = answer("宇宙ステーションの太陽電池パネルの交換手順", searcher=searcher)
    assert unrelated.distant
