"""The chat page, driven by Streamlit's AppTest on the seed and the real default model."""

import re

import pytest
import streamlit as st
from conftest import REPO, SEED
from streamlit.testing.v1 import AppTest

from data import read_table

pytestmark = pytest.mark.real_model

QUESTION = "封筒に別の人の受給者証を入れて送ってしまった"


@pytest.fixture
def app(zenrei_home, real_model_dir, monkeypatch):
    monkeypatch.setenv("ZENREI_MODEL", str(real_model_dir))
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    st.cache_resource.clear()  # each test gets its own ZENREI_HOME, so its own engine
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    return at


def _is_card(text):
    """A case card's heading: 「**1. 事案 12**　令和6年度 (2024)　:green-badge[とても近い]」."""
    return re.match(r"\*\*\d+\. 事案 ", text.replace("\\", "")) is not None


def _texts(at):
    # What the reader sees: the page escapes every markup character in data with a backslash.
    return [m.value.replace("\\", "") for m in at.markdown]


def test_page_opens_in_japanese_with_a_welcome_and_example_questions(app):
    assert app.title[0].value == "Zenrei（前例）"
    assert any("似ている過去の事案" in t for t in _texts(app))
    assert len(app.button) == 4


def test_a_question_gets_a_summary_and_case_cards_with_measures_and_sources(app):
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception
    texts = _texts(app)
    assert any(t.startswith("似ている前例を5件見つけました") for t in texts)
    assert sum(_is_card(t) for t in texts) == 5
    assert any("令和6年度 (2024)" in t for t in texts)
    assert any(t.startswith("- ") for t in texts)  # measures as a bulleted list
    sources = [c.value for c in app.caption if c.value.startswith("出典: ")]
    assert len(sources) == 5 and all("令和" in c and "事案" in c for c in sources)
    assert not any(".txt" in c or "data/" in c for c in sources)  # never a file path
    assert any(t.startswith(":orange-badge[要配慮]") for t in texts)


def test_history_is_kept_during_the_session(app):
    app.chat_input[0].set_value(QUESTION).run()
    app.chat_input[0].set_value("予診票をなくした").run()
    assert not app.exception
    assert len(app.chat_message) == 5  # the welcome, then two questions and two answers


def test_an_example_button_asks_its_question(app):
    app.button[0].click().run()
    assert not app.exception
    assert len(app.chat_message) == 3  # welcome, the example question, its answer


def test_sidebar_category_filter_is_respected(app):
    app.sidebar.multiselect[0].set_value(["不正目的"]).run()
    app.chat_input[0].set_value("委託先から個人情報が漏えいした").run()
    assert not app.exception
    cards = [t for t in _texts(app) if _is_card(t)]
    improper = sum("不正目的" in inc.categories for inc in read_table(SEED).incidents)
    assert 0 < len(cards) == min(improper, 5)  # every card shown is one of the seed's 不正目的 incidents
    badges = [t for t in _texts(app) if t.startswith(":orange-badge[")]
    assert badges.count(":orange-badge[不正目的]") == len(cards)


def test_hostile_text_in_the_question_is_shown_literally(app):
    app.chat_input[0].set_value("<img src=x onerror=alert(1)> [a](javascript:alert(1))").run()
    assert not app.exception
    user_text = app.chat_message[-2].markdown[0].value
    assert user_text.replace("\\", "") == "<img src=x onerror=alert(1)> [a](javascript:alert(1))"
    assert re.search(r"(?<!\\)[<>\[\]()]", user_text) is None  # every markup character escaped


def test_cards_name_their_source_and_other_bodies_can_be_left_out(zenrei_home, real_model_dir, monkeypatch):
    import os

    other = REPO / "data" / "tables" / "other_bodies_published.jsonl"
    monkeypatch.setenv("ZENREI_MODEL", str(real_model_dir))
    monkeypatch.setenv("ZENREI_DATA", os.pathsep.join([str(SEED), str(other)]))
    st.cache_resource.clear()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180).run()
    at.chat_input[0].set_value("USBメモリを紛失した").run()
    captions = [c.value.replace("\\", "") for c in at.caption]
    # Other bodies' cases cite their body, linked to the page it published them on.
    assert any(c.startswith("出典: [") and "](https://" in c for c in captions)

    at.sidebar.checkbox(key="src-data/tables/other_bodies_published.jsonl").uncheck().run()
    at.chat_input[0].set_value("USBメモリを紛失した").run()
    assert not at.exception
    last = at.chat_message[-1]
    cards = [m.value.replace("\\", "") for m in last.markdown if _is_card(m.value)]
    assert cards and all("HO-" not in card for card in cards)


def test_follow_ups_refine_the_last_answer_and_chips_can_be_removed(app):
    app.chat_input[0].set_value(QUESTION).run()
    app.chat_input[0].set_value("R5だけ").run()
    assert not app.exception
    last = app.chat_message[-1]
    years = [m.value.replace("\\", "") for m in last.markdown if _is_card(m.value)]
    assert years and all("令和5年度 (2023)" in y for y in years)
    chip = next(b for b in app.button if b.label == "✕ 令和5年度")

    chip.click().run()
    assert not app.exception
    cards = [m.value.replace("\\", "") for m in app.chat_message[-1].markdown if _is_card(m.value)]
    assert any("令和6年度" in c for c in cards)  # the year filter is gone
    assert not any(b.label.startswith("✕ ") for b in app.button)

    app.chat_input[0].set_value("防止策だけまとめて").run()
    digest = [m.value for m in app.chat_message[-1].markdown]
    assert any("項目に整理しました" in t for t in digest)
    assert any(t.startswith("- ") and "〔事案" in t for t in digest)


def test_cards_say_why_they_matched_and_feedback_is_kept_only_on_click(app, zenrei_home):
    app.chat_input[0].set_value(QUESTION).run()
    reasons = [c.value for c in app.caption if c.value.startswith("一致の理由")]
    assert len(reasons) == 5 and any("受給者" in r for r in reasons)
    assert any("**受給者**" in m.value for m in app.markdown)  # highlighted in the description
    feedback_file = zenrei_home / "feedback.jsonl"
    assert not feedback_file.exists()

    app.get("feedback")[0].set_value(1).run()
    assert not app.exception
    lines = feedback_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and QUESTION in lines[0]


def test_the_conversation_can_be_saved_for_the_file(app):
    app.chat_input[0].set_value(QUESTION).run()
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Markdown", "Word (.docx)"]


def test_with_no_close_precedent_the_answer_says_so_first_and_marks_the_cases(app):
    app.chat_input[0].set_value(
        "広報用にドローンで撮影した動画に、庭にいる住民の顔がはっきり映ったまま公開された。"
    ).run()
    assert not app.exception
    assert app.warning and app.warning[0].value.startswith("よく似た前例は見つかりませんでした")
    cards = [m.value for m in app.chat_message[-1].markdown if _is_card(m.value)]
    assert cards and all("参考" in card or "離れた事案" in card for card in cards)  # the closeness label
