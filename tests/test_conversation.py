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
    for line in digest.measures:  # each item is worded as one of the cases it cites wrote it
        cited = [h.incident for h in shown.hits if h.incident.id in line.incident_ids]
        assert any(line.text in incident.measures for incident in cited)
        assert line.theme


def _case(case_id, measures, description="封筒に別の人の通知書を入れて送付した"):
    from data.records import Incident
    from index.searcher import Hit

    incident = Incident(case_id, "t.csv", 2, 2024, "R6", description, (), tuple(measures), {})
    return Hit(incident=incident, rank=1, score=1.0, similarity=0.9, lexical_score=1.0)


def test_the_measures_digest_merges_repeats_leaves_out_pledges_and_says_so_truly():
    from assistant.measure_digest import digest_measures, digest_summary

    hits = (
        _case("1", ["封入時に二人で宛名と中身を照合する。", "再発防止に努める。"]),
        _case("2", ["封入時に二人で宛名と中身を照合する。", "以下の取扱いについて課内にて徹底するよう周知を行った。"]),
        _case("3", ["メールの送信前に宛先を上司が確認する。"]),
    )
    digest = digest_measures(hits, FakeEmbedder())
    assert [(line.text, line.incident_ids) for line in digest.lines] == [
        ("封入時に二人で宛名と中身を照合する。", ("1", "2")),
        ("メールの送信前に宛先を上司が確認する。", ("3",)),
    ]
    assert {line.text for line in digest.set_aside} == {
        "再発防止に努める。",
        "以下の取扱いについて課内にて徹底するよう周知を行った。",
    }
    summary = digest_summary(len(hits), digest)
    # 5 lines in: 3 measures (one said twice) became 2 items, 2 lines set aside.
    assert summary.startswith("表示中の前例3件の再発防止策5件を、同じ趣旨の記述をまとめて2項目に整理しました")
    assert "（1件を統合）" in summary
    assert "具体的な対策を述べていない記述2件" in summary


def test_with_nothing_to_merge_the_summary_does_not_claim_a_merge():
    from assistant.measure_digest import digest_measures, digest_summary

    hits = (_case("1", ["封入時に二人で照合する。"]), _case("2", ["USBメモリを暗号化する。"]))
    digest = digest_measures(hits, FakeEmbedder())
    summary = digest_summary(2, digest)
    assert "統合" not in summary and "重複はありませんでした" in summary


def test_more_shows_only_the_next_cases_and_never_any_outside_the_filters(searcher):
    first = ask(FIRST)
    shown = respond(first, Filters(), searcher=searcher)
    more = respond(ask("もっと見せて", first), Filters(), searcher=searcher)
    assert [h.rank for h in more.hits] == list(range(6, 6 + MORE_STEP))
    assert not {h.incident.id for h in shown.hits} & {h.incident.id for h in more.hits}
    assert more.summary.startswith(f"続いて似ている前例を{MORE_STEP}件見つけました（6〜10件目）")

    # 不正目的: three cases in the seed, all shown at once; 「もっと」 adds none from elsewhere.
    narrowed = ask("不正目的だけ", first)
    within = respond(narrowed, Filters(), searcher=searcher)
    again = respond(ask("もっと見せて", narrowed), Filters(), searcher=searcher)
    assert len(within.hits) == 3 and again.hits == ()
    assert "これ以上の前例は見つかりませんでした" in again.summary
    sidebar = Filters(categories=frozenset({"不正目的"}))
    again = respond(ask("もっと見せて", first), sidebar, searcher=searcher)
    assert all("不正目的" in h.incident.categories for h in again.hits)


def test_a_refinement_is_answered_within_its_filters(searcher):
    result = respond(ask("R5だけ", ask(FIRST)), Filters(), searcher=searcher)
    assert result.hits and all(h.incident.fiscal_year == 2023 for h in result.hits)
    assert [c.label for c in result.chips] == ["令和5年度"]


def test_filters_alone_with_nothing_to_search_list_the_matching_cases(searcher):
    result = respond(ask("不正目的の事案だけ見せて"), Filters(), searcher=searcher)
    assert {h.incident.id for h in result.hits} == {"9", "11", "15"}
    assert result.summary.startswith("条件に合う事案は3件です")
