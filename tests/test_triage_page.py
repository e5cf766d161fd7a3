"""The reporting-triage page, driven by AppTest on both bundled tables and the fake embedder."""

import datetime as dt
import io
import os
import re

import docx
import pytest
from conftest import REPO, SEED
from streamlit.testing.v1 import AppTest

from assistant.triage import DISCLAIMER
from tests.docx_checks import assert_filed_word

PAGE = str(REPO / "ui" / "triage.py")
OTHER = REPO / "data" / "tables" / "other_bodies_published.jsonl"
INCIDENT = "委託先の病院で52人分の予診票が行方不明になった"


@pytest.fixture
def page(fake_engine, monkeypatch):
    """Open the page with a chat history whose last question is a follow-up, not an incident."""
    monkeypatch.setenv("ZENREI_DATA", os.pathsep.join([str(SEED), str(OTHER)]))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["messages"] = [
        {"role": "user", "content": INCIDENT},
        {"role": "assistant", "answer": None},
        {"role": "user", "content": "R6だけ"},
    ]
    at.run()
    assert not at.exception
    return at


def plain(elements) -> list[str]:
    # What the reader sees: the page escapes every markup character in data with a backslash.
    return [e.value.replace("\\", "") for e in elements]


def answer(at, **answers):
    for field, value in answers.items():
        widget = at.number_input(key="triage-people") if field == "people" else at.radio(key=f"triage-{field}")
        widget.set_value(value)
    at.run()
    assert not at.exception
    return at


def test_the_disclaimer_is_visible_at_the_top_and_bottom(page):
    assert page.warning[0].value == DISCLAIMER
    assert page.caption[-1].value.replace("\\", "") == DISCLAIMER


def test_the_last_incident_from_the_chat_prefills_text_and_checklist(page):
    assert page.text_area(key="triage-text").value == INCIDENT
    assert page.radio(key="triage-sensitive").value == "yes"
    assert page.number_input(key="triage-people").value == 52
    assert page.radio(key="triage-improper").value == "unknown"
    assert page.radio(key="triage-entity").value == "地方公共団体"
    captions = plain(page.caption)
    assert any(c.startswith("提案：はい［本文］") and "「予診票」" in c for c in captions)
    assert any(c.startswith("提案：52人［本文］") for c in captions)


def test_a_suggested_yes_requires_a_report_with_deadlines(page):
    page.date_input(key="triage-discovered").set_value(dt.date(2024, 1, 31)).run()
    assert [e.value.split("　")[0] for e in page.error] == ["**報告が必要**"]
    text = "\n".join(plain(page.markdown))
    assert "速やかに（目安：発覚から3〜5日以内、2024-02-05まで）" in text
    assert "2024-03-01まで（発覚から30日以内）" in text


def test_confirmed_answers_decide_not_the_suggestions(page):
    answer(page, sensitive="no", improper="no", financial="no", ordinance="no")
    assert page.success and "報告は不要" in page.success[0].value
    assert not page.error
    assert any(m.startswith("×") and "52人" in m for m in plain(page.markdown))  # marks every PC can show


@pytest.mark.parametrize(("people", "verdict"), [(100, "報告は不要"), (101, "報告が必要")])
def test_more_than_100_people_is_the_line(page, people, verdict):
    answer(page, sensitive="no", improper="no", financial="no", ordinance="no", people=people)
    shown = [e.value for e in (*page.success, *page.error)]
    assert len(shown) == 1 and verdict in shown[0]


def test_an_emptied_count_holds_the_decision(page):
    answer(page, sensitive="no", improper="no", financial="no", ordinance="no", people=None)
    assert page.info and "判断保留" in page.info[0].value


def test_improper_purpose_moves_the_final_report_to_60_days(page):
    page.date_input(key="triage-discovered").set_value(dt.date(2024, 5, 1))
    answer(page, improper="yes")
    assert any("2024-06-30まで（発覚から60日以内）" in m for m in plain(page.markdown))


def test_precedents_with_the_same_categories_are_listed_with_ids_and_years(page):
    answer(page, sensitive="yes", improper="no", financial="no", ordinance="no", people=52)
    assert any(s.value.replace("\\", "").startswith("同じ類型（要配慮）の前例：24件") for s in page.subheader)
    listing = next(m for m in plain(page.markdown) if m.startswith("- **事案 "))
    assert listing.count("- **事案 ") == 10 and "令和" in listing
    assert "ほか14件" in plain(page.caption)


def test_edits_survive_reruns_and_the_button_restores_the_suggestions(page):
    answer(page, sensitive="no")
    page.run()
    assert page.radio(key="triage-sensitive").value == "no"
    page.button[0].click().run()
    assert page.radio(key="triage-sensitive").value == "yes"


def test_new_text_brings_new_suggestions(page):
    page.text_area(key="triage-text").set_value("委託先サーバーが不正アクセスを受け、約5万人の情報が流出した").run()
    assert not page.exception
    assert page.radio(key="triage-improper").value == "yes"
    assert page.number_input(key="triage-people").value == 50_000
    assert page.radio(key="triage-sensitive").value == "unknown"


def test_without_a_chat_the_page_opens_empty_and_holds_the_decision(zenrei_home, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.text_area(key="triage-text").value == ""
    assert at.number_input(key="triage-people").value is None
    assert at.info and "判断保留" in at.info[0].value


def test_hostile_text_and_data_never_become_markup(page):
    page.text_area(key="triage-text").set_value("<img src=x onerror=alert(1)> [5人分](javascript:alert(1)) 口座").run()
    answer(page, sensitive="yes")
    assert not page.exception
    shown = [
        e.value for kind in ("markdown", "caption", "subheader", "error", "info", "success") for e in page.get(kind)
    ]
    assert any("口座" in v for v in shown) and any("事案 HO" in v for v in shown)  # the text and the data are there
    unescaped = [v for v in shown if re.search(r"(?<!\\)[<>\[\]()$]", v)]
    assert unescaped == []


def test_the_result_downloads_as_word_and_markdown_with_facts_reasons_deadlines_steps_and_precedents(
    fake_engine, monkeypatch, downloads
):
    monkeypatch.setenv("ZENREI_DATA", os.pathsep.join([str(SEED), str(OTHER)]))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["messages"] = [{"role": "user", "content": INCIDENT}]
    at.run()
    at.date_input(key="triage-discovered").set_value(dt.date(2024, 1, 31))
    answer(at, sensitive="yes", improper="no", financial="no", ordinance="no", people=52)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Word（.docx）でダウンロード", "Markdown（.md）でダウンロード"]
    markdown = downloads["報告要否の確認結果.md"].decode("utf-8")
    assert INCIDENT in markdown
    assert "- 本人の数: 52人" in markdown and "- 発覚日（事態を知った日）: 2024-01-31" in markdown
    for number in range(1, 6):
        assert f"- ○ ({number})" in markdown or f"- × ({number})" in markdown
    assert "本人の数は52人で、100人以下です。" in markdown
    assert "2024-02-05まで" in markdown and "2024-03-01まで（発覚から30日以内）" in markdown
    for step in ("回収・拡大防止", "本人への連絡", "公表の要否", "報告"):
        assert f"- □ {step}: " in markdown
    assert "## 同じ類型（要配慮）の前例: 24件" in markdown and "出典: 千葉市の公表事案（令和4〜6年度）" in markdown
    assert "seed.txt" not in markdown and "jsonl" not in markdown
    assert_filed_word(downloads["報告要否の確認結果.docx"])
    word = docx.Document(io.BytesIO(downloads["報告要否の確認結果.docx"]))
    texts = [p.text for p in word.paragraphs]
    assert {"確認した事実", "判定", "期限", "初動の確認"} <= set(texts)


def test_the_first_response_steps_sit_beside_the_deadlines(page):
    answer(page, sensitive="yes")
    steps = next(m for m in plain(page.markdown) if m.startswith("- **回収・拡大防止**"))
    assert "**本人への連絡**" in steps and "**公表の要否**" in steps and "**報告**" in steps
    assert "予診票" not in steps and "遺失届" in steps  # a loss: search, then report the loss to the police
