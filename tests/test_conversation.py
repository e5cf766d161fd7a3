"""Follow-ups in the same chat refine the last answer, phrase by phrase."""

import datetime as dt

import pytest
from conftest import SEED, FakeEmbedder

from assistant.conversation import MORE_STEP, interpret, respond
from data import read_table
from index.filters import Filters
from index.storage import build_searcher

TODAY = dt.date(2026, 11, 26)
FIRST = "封筒に別の人の受給者証を入れて送ってしまった"


def ask(message, previous=None, top_k=5):
    return interpret(message, previous, top_k=top_k, today=TODAY, labels={str(SEED): "千葉市の公表事案"})


@pytest.fixture(scope="module")
def searcher():
    return build_searcher(read_table(SEED).incidents, FakeEmbedder())


def test_a_first_message_is_a_new_question():
    request = ask(FIRST)
    assert (request.kind, request.question, request.top_k) == ("search", FIRST, 5)


@pytest.mark.parametrize("phrase", ["R6だけ", "令和6年度のみ", "R6に絞って", "2024年度だけ見せて"])
def test_a_year_alone_narrows_the_last_question(phrase):
    request = ask(phrase, ask(FIRST))
    assert request.question == FIRST
    assert (request.stated.filters.year_from, request.stated.filters.year_to) == (2024, 2024)


@pytest.mark.parametrize("phrase", ["要配慮のみ", "要配慮だけ", "要配慮の事案だけ"])
def test_a_category_alone_narrows_the_last_question(phrase):
    request = ask(phrase, ask(FIRST))
    assert request.question == FIRST and request.stated.filters.categories == {"要配慮"}


def test_refinements_accumulate():
    request = ask("要配慮のみ", ask("R6だけ", ask(FIRST)))
    assert request.stated.filters.year_from == 2024 and request.stated.filters.categories == {"要配慮"}
    assert [c.label for c in request.stated.chips] == ["令和6年度", "要配慮"]


@pytest.mark.parametrize("phrase", ["もっと見せて", "もっと", "他には？", "ほかの事例も見せてください", "続き"])
def test_more_shows_more_of_the_same_question(phrase):
    request = ask(phrase, ask(FIRST))
    assert request.question == FIRST and request.top_k == 5 + MORE_STEP


@pytest.mark.parametrize("phrase", ["防止策だけまとめて", "再発防止策をまとめて", "対策を一覧にして", "防止策を教えて"])
def test_measures_only_gathers_the_measures_of_the_last_answer(phrase):
    request = ask(phrase, ask(FIRST))
    assert request.kind == "measures" and request.question == FIRST


def test_without_a_previous_question_follow_up_words_are_just_a_question():
    assert ask("もっと見せて").question == "もっと見せて"


def test_a_long_message_mentioning_measures_is_a_new_question():
    message = "再発防止策をまとめてほしいのだが、その前に委託先で起きたランサムウェアの事案を探したい"
    assert ask(message, ask(FIRST)).question == message


def test_the_measures_answer_lists_each_measure_once_with_its_cases(searcher):
    first = ask(FIRST)
    shown = respond(first, Filters(), searcher=searcher)
    digest = respond(ask("防止策だけまとめて", first), Filters(), searcher=searcher)
    assert digest.summary.startswith(f"表示中の前例{len(shown.hits)}件の再発防止策")
    texts = [line.text for line in digest.measures]
    assert len(texts) == len(set(texts))
    for line in digest.measures:
        assert all(
            any(line.text == m for h in shown.hits if h.incident.id == i for m in h.incident.measures)
            for i in line.incident_ids
        )


def test_a_refinement_is_answered_within_its_filters(searcher):
    result = respond(ask("R5だけ", ask(FIRST)), Filters(), searcher=searcher)
    assert result.hits and all(h.incident.fiscal_year == 2023 for h in result.hits)
    assert [c.label for c in result.chips] == ["令和5年度"]


def test_filters_alone_with_nothing_to_search_list_the_matching_cases(searcher):
    result = respond(ask("不正目的の事案だけ見せて"), Filters(), searcher=searcher)
    assert {h.incident.id for h in result.hits} == {"9", "11", "15"}
    assert result.summary.startswith("条件に合う事案は3件です")
