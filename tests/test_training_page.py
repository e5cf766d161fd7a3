"""The training page 「あなたならどうする？」, driven by AppTest on the seed (FakeEmbedder engine)."""

from __future__ import annotations

import io

import docx
import pytest
from conftest import REPO, SEED
from streamlit.testing.v1 import AppTest

from assistant.corpus import load_corpus
from assistant.drafting import published_measure
from assistant.render import escape_markdown as md
from assistant.training import pick_cards
from index.filters import Filters
from tests.docx_checks import assert_filed_word

PAGE = str(REPO / "ui" / "training.py")
SEED_VALUE = 11


@pytest.fixture
def page(fake_engine, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["training_seed"] = SEED_VALUE  # a fixed order of cards
    at.run()
    assert not at.exception
    return at


@pytest.fixture(scope="module")
def seed_cases():
    return load_corpus([SEED]).incidents


def _texts(at) -> list[str]:
    return [m.value for m in at.markdown]


def _answer_key(card) -> str:
    return f"training-answer-{card.source}#{card.id}"


def _tally(at) -> list[str]:
    return [m.value for m in at.metric]


def test_a_card_shows_the_case_but_hides_its_measures_until_checked(page, seed_cases):
    card = pick_cards(seed_cases, Filters(), SEED_VALUE)[0]
    texts = _texts(page)
    assert any(t.startswith("**第1問 / 全19問**") for t in texts)  # every seed case has measures
    assert md(card.description) in texts
    assert not any(md(m) in t for m in card.measures for t in texts)
    assert _tally(page) == ["0件", "0 / 0"]

    page.text_area(key=_answer_key(card)).input("気をつける").run()
    page.button(key="training-check").click().run()
    assert not page.exception
    texts = _texts(page)
    assert any(t.startswith("**この事案の再発防止策**") for t in texts)
    assert any("**似た事案の再発防止策**" == t for t in texts)
    assert all(any(md(published_measure(m)) in t for t in texts) for m in card.measures)
    assert _tally(page) == ["1件", f"0 / {len(card.measures)}"]


def test_an_empty_answer_is_not_counted_as_a_case_tried(page, seed_cases):
    card = pick_cards(seed_cases, Filters(), SEED_VALUE)[0]
    page.button(key="training-check").click().run()
    assert not page.exception
    assert _tally(page) == ["0件", "0 / 0"]
    assert page.info and "答えが空" in page.info[0].value
    assert any(t.startswith("**この事案の再発防止策**") for t in _texts(page))  # the measures are still shown
    # An answer written and checked, then emptied and checked again, is withdrawn from the tally.
    page.text_area(key=_answer_key(card)).input(card.measures[0]).run()
    page.button(key="training-check").click().run()
    assert _tally(page)[0] == "1件"
    page.text_area(key=_answer_key(card)).input("  ").run()
    page.button(key="training-check").click().run()
    assert _tally(page)[0] == "0件"


def test_marks_are_plain_text_every_pc_can_show(page, seed_cases):
    card = pick_cards(seed_cases, Filters(), SEED_VALUE)[0]
    page.text_area(key=_answer_key(card)).input(card.measures[0]).run()
    page.button(key="training-check").click().run()
    shown = "\n".join(e.value for kind in ("markdown", "caption", "info") for e in page.get(kind))
    assert "○" in shown and "－" in shown
    assert not any(mark in shown for mark in ("✅", "⬜", "✔", "✘"))


def test_the_measures_the_answer_covers_are_ticked_and_counted(page, seed_cases):
    card = pick_cards(seed_cases, Filters(), SEED_VALUE)[0]
    page.text_area(key=_answer_key(card)).input(card.measures[0]).run()
    page.button(key="training-check").click().run()
    assert not page.exception
    own = next(t for t in _texts(page) if t.startswith("- ○") or t.startswith("- －"))
    assert own.splitlines()[0].startswith("- ○")  # the first measure, written out by the trainee
    assert int(_tally(page)[1].split(" / ")[0]) >= 1


def test_a_checked_answer_is_not_checked_again_by_the_pages_later_reruns(page, seed_cases, monkeypatch):
    """答え合わせ takes seconds with the real model: making the study sheet afterwards must not redo it."""
    from assistant import training

    calls = []
    real = training.covered
    monkeypatch.setattr(training, "covered", lambda *a, **k: calls.append(1) or real(*a, **k))
    card = pick_cards(seed_cases, Filters(), SEED_VALUE)[0]
    page.text_area(key=_answer_key(card)).input(card.measures[0]).run()
    page.button(key="training-check").click().run()
    checked = len(calls)
    assert checked >= 1
    page.button(key="training-sheet").click().run()
    assert not page.exception and len(calls) == checked
    assert any(t.startswith("- ○") for t in _texts(page))  # the marks are still shown
    page.text_area(key=_answer_key(card)).input("別の答え").run()  # a changed answer is checked anew
    assert len(calls) > checked


def test_next_card_hides_the_measures_again_and_the_tally_keeps_count(page, seed_cases):
    cards = pick_cards(seed_cases, Filters(), SEED_VALUE)
    page.text_area(key=_answer_key(cards[0])).input("封入前に確認する").run()
    page.button(key="training-check").click().run()
    page.button(key="training-next").click().run()
    assert not page.exception
    texts = _texts(page)
    assert any(t.startswith("**第2問 / 全19問**") for t in texts) and md(cards[1].description) in texts
    assert not any(t.startswith("**この事案の再発防止策**") for t in texts)
    page.text_area(key=_answer_key(cards[1])).input("研修を行う").run()
    page.button(key="training-check").click().run()
    assert _tally(page)[0] == "2件"


def test_the_topic_keeps_only_cases_of_that_kind(page, seed_cases):
    page.selectbox(key="training_topic").set_value("誤封入").run()
    assert not page.exception
    expected = pick_cards(seed_cases, Filters(kinds={"誤封入"}), SEED_VALUE)
    assert any(t.startswith(f"**第1問 / 全{len(expected)}問**") for t in _texts(page))
    assert md(expected[0].description) in _texts(page)


def test_the_study_sheet_for_the_topic_downloads_as_word_and_markdown(page, downloads):
    page.selectbox(key="training_topic").set_value("誤封入").run()
    page.button(key="training-sheet").click().run()
    assert not page.exception
    markdown = downloads["誤封入の事案から学ぶ.md"].decode("utf-8")
    assert markdown.startswith("# 誤封入の事案から学ぶ") and "### 事案2（令和4年度）" in markdown
    assert_filed_word(downloads["誤封入の事案から学ぶ.docx"])
    word = docx.Document(io.BytesIO(downloads["誤封入の事案から学ぶ.docx"]))
    assert "共通する再発防止策" in [p.text for p in word.paragraphs]
