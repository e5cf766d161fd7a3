"""The one-line answer a user reads above the case cards."""

import re

import pytest
from conftest import SEED

from assistant.answer import MAX_QUESTION_CHARS, answer
from assistant.render import answer_to_text, escape_markdown, hit_to_dict
from data import read_table
from index.filters import Filters
from index.storage import build_searcher


@pytest.fixture(scope="module")
def searcher():
    from conftest import FakeEmbedder

    return build_searcher(read_table(SEED).incidents, FakeEmbedder())


def test_summary_says_how_many_cases_and_names_the_closest(searcher):
    result = answer("封筒に別の人の受給者証を入れて送ってしまった", searcher=searcher)
    top = result.hits[0].incident
    assert len(result.hits) == 5
    assert result.summary.startswith("似ている前例を5件見つけました。")
    assert f"事案 {top.id}" in result.summary
    assert "令和" in result.summary


def test_empty_or_blank_question_asks_for_input_instead_of_searching(searcher):
    for question in ["", "   ", "\n\t", "\x00"]:
        result = answer(question, searcher=searcher)
        assert result.hits == ()
        assert "入力してください" in result.summary


def test_a_huge_question_is_capped_with_a_notice(searcher):
    result = answer("封筒" * 50_000, searcher=searcher)
    assert len(result.question) == MAX_QUESTION_CHARS
    assert result.notices and "先頭" in result.notices[0]
    assert result.hits


@pytest.mark.parametrize(
    "question", ["🙇‍♂️📮", "we mailed the wrong certificate", "'; DROP TABLE incidents; --", "<script>alert(1)</script>"]
)
def test_odd_questions_are_answered_not_crashed(searcher, question):
    result = answer(question, searcher=searcher)
    assert result.summary


def test_a_filter_nothing_matches_says_so(searcher):
    result = answer("紛失", Filters(year_from=2000, year_to=2001), searcher=searcher)
    assert result.hits == ()
    assert "条件に合う前例は見つかりませんでした" in result.summary


def test_json_form_of_a_hit_has_the_documented_fields(searcher):
    hit = answer("予診票の紛失", searcher=searcher).hits[0]
    record = hit_to_dict(hit)
    for key in ["id", "score", "fiscal_year", "year_label", "categories", "description", "measures"]:
        assert key in record
    assert record["year_label"].startswith("令和")
    assert record["citation"].endswith(f":{hit.incident.line}")


def test_terminal_text_lists_measures_as_bullets_and_cites_the_source(searcher):
    text = answer_to_text(answer("メール履歴を流用して送信", searcher=searcher))
    assert "再発防止策:" in text and "   - " in text
    assert "出典: " in text and "seed.txt:" in text


def test_markdown_escaping_makes_links_html_and_directives_literal():
    raw = "<script>alert(1)</script> [x](javascript:alert(1)) :red[赤] $x$ **太字**"
    escaped = escape_markdown(raw)
    # Every markup character now stands behind a backslash; the text itself is unchanged.
    assert re.search(r"(?<!\\)[<>\[\]()*$:]", escaped) is None
    assert escaped.replace("\\", "") == raw
