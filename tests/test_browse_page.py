"""The browse page, driven by AppTest on the seed and the other-bodies table (FakeEmbedder engine)."""

from __future__ import annotations

import json
import os

import pyarrow as pa
import pytest
from conftest import REPO, SEED
from streamlit.testing.v1 import AppTest

OTHERS = REPO / "data" / "tables" / "other_bodies_published.jsonl"
PAGE = str(REPO / "ui" / "browse.py")


@pytest.fixture
def page(fake_engine, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", os.pathsep.join([str(SEED), str(OTHERS)]))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def _table(at):
    return at.dataframe[0].value


def _chart_total(at, index: int) -> int:
    """The counts a chart draws, summed (Streamlit ships the chart's data as Arrow)."""
    chart = at.get("vega_lite_chart")[index].proto
    return int(pa.ipc.open_stream(chart.data.data).read_all().column("count").to_pandas().sum())


def test_the_table_lists_every_incident_newest_first_with_era_years(page):
    table = _table(page)
    assert len(table) == 99
    assert list(table.columns) == ["id", "年度", "公表団体", "概要", "種類", "類型", "委託先", "出典", "西暦"]
    years = [y for y in table["西暦"] if y == y]  # NaN (unknown year) is not equal to itself
    assert years == sorted(years, reverse=True)
    assert table["年度"].iloc[0] == "令和7年度"
    assert _chart_total(page, 0) == 99  # by year, stacked by kind: one count per incident


def test_the_contractor_filter_and_text_search_narrow_the_table_and_the_charts(page):
    page.checkbox(key="contractor-only").check().run()
    assert not page.exception
    contractor = _table(page)
    assert 0 < len(contractor) < 99 and set(contractor["委託先"]) == {"あり"}
    assert _chart_total(page, 0) == len(contractor)

    page.text_input(key="browse_text").input("予診票").run()
    assert not page.exception
    assert set(_table(page)["id"]) == {"4", "13"}  # the two vaccination-form losses at contractors
    assert page.caption[0].value == "2件 / 全99件"
    assert _chart_total(page, 0) == _chart_total(page, 2) == 2  # by year, and by source


def test_a_search_with_no_match_says_so(page):
    page.text_input(key="browse_text").input("存在しない語句ｘｙｚ").run()
    assert not page.exception
    assert page.info[0].value.startswith("条件に合う事案がありません")
    assert not page.dataframe


def test_the_detail_view_shows_the_full_case_and_its_similar_cases(page):
    page.selectbox(key="browse_pick").set_value("data/tables/seed.txt#19").run()
    assert not page.exception
    assert [s.value for s in page.subheader][2].startswith("事案 19")
    texts = [m.value for m in page.markdown]
    assert "市民Bの障害福祉サービスの受給者証を誤って市民Aに送付してしまった。" in texts
    assert any("他の職員が再度封筒の宛名" in t for t in texts)  # its measures, in full
    cited = "出典: 千葉市の公表事案（令和4〜6年度）・令和6年度・事案19"
    assert any(c.value.replace("\\", "") == cited for c in page.caption)  # the body, year and case: no file
    similar = [t for t in texts if t.startswith("**") and "事案 " in t and "類似度" in t]
    assert len(similar) == 5  # the sidebar's 表示件数 (5), the case itself left out
    assert not any("事案 19**" in t for t in similar)
    assert page.subheader[3].value == "この事案に似た事案"


def _spec(at, index: int) -> dict:
    return json.loads(at.get("vega_lite_chart")[index].proto.spec)


def test_the_charts_come_first_and_every_chart_gives_a_kind_the_same_colour(page):
    headings = [s.value for s in page.subheader]
    assert headings[0].startswith("件数の内訳") and headings[1] == "事案の一覧"  # charts above the table
    colours: dict[str, str] = {}
    for index in range(4):  # by year, category, source and body
        scale = _spec(page, index)["encoding"]["color"]["scale"]
        for kind, colour in zip(scale["domain"], scale["range"], strict=True):
            assert colours.setdefault(kind, colour) == colour
    assert len(set(colours.values())) == len(colours)  # one distinct colour per kind
    assert colours["FAX誤送信"] != colours["設定ミス"] and colours["マスキング漏れ"] != colours["誤封入"]


def test_counts_are_drawn_as_whole_numbers(page):
    for index, axis in ((0, "y"), (1, "x")):  # by year (vertical), by category (horizontal)
        encoding = _spec(page, index)["encoding"][axis]
        assert encoding["axis"]["format"] == "d" and encoding["axis"]["tickMinStep"] == 1


def test_the_body_column_and_filter_narrow_to_one_publisher(page):
    table = _table(page)
    assert set(table["公表団体"]) >= {"千葉市の公表事案（令和4〜6年度）", "鎌倉市"}
    page.multiselect(key="browse_bodies").set_value(["鎌倉市"]).run()
    assert not page.exception
    narrowed = _table(page)
    assert len(narrowed) >= 1 and set(narrowed["公表団体"]) == {"鎌倉市"}
    assert _chart_total(page, 0) == _chart_total(page, 3) == len(narrowed)


def test_the_summary_column_shows_more_than_a_few_words(page):
    summaries = list(_table(page)["概要"])
    assert max(len(s) for s in summaries) > 100
