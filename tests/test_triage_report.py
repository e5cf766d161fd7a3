"""The triage result as one plain structure, rendered for the file (Word/Markdown) and the terminal."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SEED

from assistant.corpus import load_corpus
from assistant.documents import to_docx, to_markdown
from assistant.triage import Checklist, assess
from assistant.triage_hints import same_category_precedents, suggest
from assistant.triage_report import SHOWN_PRECEDENTS, build_report, render_text, report_document
from tests.docx_checks import assert_filed_word

DISCOVERED = dt.date(2024, 5, 1)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus([SEED, SEED.parent / "other_bodies_published.jsonl"])


def _report(corpus, text, **answers):
    suggestions = suggest(text)
    result = assess(Checklist(discovered=DISCOVERED, **answers))
    precedents = same_category_precedents(corpus.incidents, result.categories, suggestions.precedent_ids)
    return build_report(text, result, precedents, labels=corpus.labels, suggestions=suggestions, made=DISCOVERED)


def test_the_report_holds_the_facts_each_situation_with_its_reason_and_both_deadlines(corpus):
    report = _report(corpus, "予診票52人分を紛失した", sensitive="yes", people=52, improper="no")
    facts = {f.label: f.value for f in report.facts}
    assert facts["本人の数"] == "52人" and facts["要配慮個人情報"] == "はい" and facts["不正の目的"] == "いいえ"
    assert facts["財産的被害のおそれ"] == "不明" and facts["発覚日（事態を知った日）"] == "2024-05-01"
    assert [s.number for s in report.situations] == [1, 2, 3, 4, 5]
    assert [s.mark for s in report.situations] == ["○", "？", "×", "×", "？"]
    assert all(s.reason for s in report.situations)
    assert [(d.kind, d.due) for d in report.deadlines] == [
        ("速報", dt.date(2024, 5, 6)),
        ("確報", dt.date(2024, 5, 31)),
    ]
    assert report.verdict_label == "報告が必要"


def test_the_first_response_names_recovery_notice_publication_and_reporting_with_dates(corpus):
    report = _report(corpus, "別の人の通知書を封筒に入れて郵送した", sensitive="yes", people=1)
    steps = {s.title: s.action for s in report.steps}
    assert list(steps) == ["回収・拡大防止", "本人への連絡", "公表の要否", "報告"]
    assert "回収" in steps["回収・拡大防止"]  # misdelivered mail: get it back
    assert "法第68条第2項" in steps["本人への連絡"]
    assert "2024-05-06" in steps["報告"] and "2024-05-31" in steps["報告"]


def test_an_unauthorized_access_is_contained_differently_and_a_ruled_out_case_needs_no_report(corpus):
    report = _report(
        corpus,
        "サーバーが不正アクセスを受けた",
        sensitive="no",
        people=3,
        improper="no",
        financial="no",
        ordinance="no",
    )
    steps = {s.title: s.action for s in report.steps}
    assert "ログ" in steps["回収・拡大防止"]
    assert report.verdict_label == "報告は不要" and not report.deadlines
    assert "報告は不要" in steps["報告"]


def test_precedents_are_cited_by_body_year_and_case_and_cut_alike_everywhere(corpus):
    report = _report(corpus, "予診票52人分を紛失した", sensitive="yes", people=52, improper="no")
    assert len(report.precedents) > SHOWN_PRECEDENTS
    assert all(p.source.startswith("出典: ") and p.case_id in p.source for p in report.precedents)
    assert all(len(p.summary) <= 81 for p in report.precedents)
    text, markdown = render_text(report), to_markdown(report_document(report))
    for p in report.shown_precedents:
        assert p.summary in text and p.summary in markdown
    more = len(report.precedents) - SHOWN_PRECEDENTS
    assert f"（ほか{more}件）" in text and f"ほか{more}件" in markdown
    assert "seed.txt" not in text + markdown and "data/tables" not in text + markdown


def test_the_text_rendering_has_every_section_in_order(corpus):
    text = render_text(_report(corpus, "予診票52人分を紛失した", sensitive="yes", people=52))
    order = ["確認した事実:", "判定: 報告が必要", "期限:", "初動の確認:", "注意:", "提案（", "同じ類型（要配慮）の前例"]
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)
    assert text.startswith("※ ") and text.rstrip().endswith("行ってください。")
    assert "✔" not in text and "✘" not in text


def test_the_word_file_is_ready_to_file(corpus):
    data = to_docx(report_document(_report(corpus, "予診票52人分を紛失した", sensitive="yes", people=52)))
    assert_filed_word(data)


def test_an_empty_text_still_renders(corpus):
    report = _report(corpus, "   ")
    assert "（入力なし）" in render_text(report) and "（入力なし）" in to_markdown(report_document(report))
    assert report.verdict_label == "判断保留" and report.steps[0].title == "回収・拡大防止"
