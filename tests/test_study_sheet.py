"""Study sheets: a topic's cases, their measures and the common measures, as Word and Markdown."""

from __future__ import annotations

import dataclasses
import io

import docx
import pytest
from conftest import SEED, FakeEmbedder

from assistant import cli
from assistant import study_sheet as s
from assistant.browse import filter_incidents
from assistant.corpus import load_corpus
from assistant.documents import Bullets, Heading, to_docx, to_markdown
from index.filters import Filters
from index.storage import build_searcher
from tests.docx_checks import assert_filed_word


@pytest.fixture(scope="module")
def corpus():
    return load_corpus([SEED])


@pytest.fixture(scope="module")
def searcher(corpus):
    return build_searcher(corpus.incidents, FakeEmbedder())


@pytest.fixture(scope="module")
def sheet(corpus, searcher):
    # Seed incidents 12, 14 and 19: one benefit certificate sent to the wrong citizen, three times.
    cases = [corpus.by_id(i) for i in ("12", "14", "19")]
    return s.study_sheet(cases, searcher, s.topic_title(("誤送付",)), corpus.labels)


def _headings(document) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, Heading)]


def test_the_title_names_the_topic():
    assert s.topic_title(("誤封入",)) == "誤封入の事案から学ぶ"
    assert s.topic_title(("誤封入", "誤送付")) == "誤封入・誤送付の事案から学ぶ"
    assert s.topic_title(()) == "過去の事案から学ぶ"


def test_each_case_gets_a_heading_with_id_and_year_newest_first_and_its_measures(sheet, corpus):
    headings = _headings(sheet)
    cases = [h for h in headings if h.startswith("事案") and h != s.CASES_HEADING]
    assert [h.split("（")[0] for h in cases] == ["事案12", "事案14", "事案19"]
    assert all("令和6年度" in h for h in cases)
    items = [item.text for block in sheet.blocks if isinstance(block, Bullets) for item in block.items]
    assert set(corpus.by_id("19").measures) <= set(items)


def test_common_measures_cite_every_case_that_took_them(corpus, searcher):
    # The same measure in two cases is one common item citing both.
    twelve, nineteen = corpus.by_id("12"), corpus.by_id("19")
    shared = nineteen.measures[2]
    twin = dataclasses.replace(twelve, measures=(shared,))
    groups = s.common_measures([twin, nineteen], searcher)
    merged = next(g for g in groups if g.text == shared)
    assert {c.incident_id for c in merged.citations} == {"12", "19"}
    document = s.study_sheet([twin, nineteen], searcher, "テスト")
    common = next(n for n, block in enumerate(document.blocks) if block == Heading(s.COMMON_HEADING, 1))
    notes = [
        item.note
        for block in document.blocks[common:]
        if isinstance(block, Bullets)
        for item in block.items
        if item.text == shared
    ]
    assert notes == ["〔事案12（令和6年度）、事案19（令和6年度）〕"]


def test_a_topic_without_shared_measures_says_so(corpus, searcher):
    document = s.study_sheet([corpus.by_id("11")], searcher, "不正アクセス")
    assert s.COMMON_HEADING in _headings(document)
    assert "複数の事案に共通する再発防止策はありませんでした。" in to_markdown(document)


def test_the_docx_opens_and_holds_the_headings_and_case_ids(sheet):
    data = to_docx(sheet)
    assert_filed_word(data)
    word = docx.Document(io.BytesIO(data))
    texts = [p.text for p in word.paragraphs]
    assert texts[0] == "誤送付の事案から学ぶ"
    assert {s.CASES_HEADING, s.COMMON_HEADING} <= set(texts)
    for case in ("事案12", "事案14", "事案19"):
        assert any(t.startswith(case) for t in texts)


def test_the_markdown_has_the_same_sections(sheet):
    markdown = to_markdown(sheet)
    assert markdown.startswith("# 誤送付の事案から学ぶ")
    assert f"## {s.CASES_HEADING}" in markdown and f"## {s.COMMON_HEADING}" in markdown
    assert "### 事案19（令和6年度）" in markdown


def test_each_case_cites_the_body_year_and_case_and_no_file(sheet):
    markdown = to_markdown(sheet)
    assert "出典: 千葉市の公表事案（令和4〜6年度）・令和6年度・事案19" in markdown
    assert "seed.txt" not in markdown and "data/tables" not in markdown


def test_a_stray_leading_mata_is_dropped_from_the_cases_measures(sheet):
    markdown = to_markdown(sheet)
    assert "- 窓口や電話対応で作業が中断されない" in markdown  # case 14 publishes it as 「また、窓口や…」
    assert "- また、" not in markdown


@pytest.fixture
def cli_env(zenrei_home, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: FakeEmbedder())


def test_the_cli_writes_a_word_sheet_for_a_kind(cli_env, tmp_path, corpus, capsys):
    out = tmp_path / "誤封入.docx"
    assert cli.main(["study", "--kind", "誤封入", "--out", str(out)]) == 0
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    expected = filter_incidents(corpus.incidents, Filters(kinds={"誤封入"}))
    assert texts[0] == "誤封入の事案から学ぶ"
    for incident in expected:
        assert any(t.startswith(f"事案{incident.id}（") for t in texts)
    assert "書き出しました" in capsys.readouterr().err


def test_the_cli_prints_markdown_without_out(cli_env, capsys):
    assert cli.main(["study", "--kind", "紛失", "--year-from", "R6"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("# 紛失の事案から学ぶ") and "### 事案17（令和6年度）" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["study", "--kind", "うっかり"], "種類「うっかり」はありません"),
        (["study", "--kind", "誤封入", "--out", "x.pdf"], "出力形式は .md か .docx"),
        (["study", "--kind", "盗難"], "条件に合う事案がありません"),
        (["study", "--year-from", "R6", "--year-to", "R4"], "年度の範囲が逆です"),
    ],
)
def test_the_cli_explains_user_errors_in_one_line(cli_env, capsys, argv, message):
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
