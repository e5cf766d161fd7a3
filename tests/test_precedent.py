"""The honest "no close precedent" verdict, with the calibration shipped for the default model."""

from dataclasses import replace

import pytest
from conftest import SEED

from assistant.precedent import calibration_for, coverage, no_close_precedent
from data import read_table
from index.offline_model import DEFAULT_MODEL_ID
from index.searcher import Hit

CALIBRATION = calibration_for(DEFAULT_MODEL_ID)


def judge(question, hits, model_id=DEFAULT_MODEL_ID):
    return no_close_precedent(question, hits, model_id)


@pytest.fixture(scope="module")
def case():
    return read_table(SEED).incidents[11]  # 市民Aに対し、別の市民Bの障害児通所受給者証を誤って郵送した。


def hit(incident, similarity):
    return Hit(incident=incident, rank=1, score=0.0, similarity=similarity, lexical_score=0.0)


def test_coverage_is_the_share_of_question_bigrams_found_in_the_case(case):
    assert coverage("受給者証", hit(case, 0.9)) == 1.0
    assert coverage("ドローン", hit(case, 0.9)) == 0.0


def test_a_close_and_well_worded_match_is_not_distant(case):
    assert judge("別の市民の受給者証を郵送した", [hit(case, 0.92)]) is False


def test_a_low_cosine_is_distant_whatever_the_wording(case):
    assert judge("受給者証を郵送した", [hit(case, 0.75)]) is True


def test_a_middling_cosine_needs_shared_wording(case):
    similarity = 0.86
    assert judge("ドローンで撮影した動画", [hit(case, similarity)]) is True
    assert judge("別の市民Bの受給者証を誤って郵送", [hit(case, similarity)]) is False


def test_english_questions_are_not_judged_on_japanese_wording(case):
    # No verdict rather than a wrong "distant": the English question shares no Japanese bigrams.
    assert judge("we mailed the wrong certificate", [hit(case, 0.84)]) is None


def test_another_model_gets_no_verdict_rather_than_a_wrong_one(case):
    assert judge("受給者証", [hit(case, 0.5)], "some-other-model") is None
    assert judge("受給者証", []) is None


def test_the_best_hit_decides(case):
    weak, strong = hit(case, 0.80), hit(replace(case, id="x"), 0.93)
    assert judge("別の市民の受給者証を郵送", [weak, strong]) is False
    assert judge("別の市民の受給者証を郵送", [weak]) is True
