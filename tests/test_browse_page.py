"""The browse page, driven by AppTest on the seed and the other-bodies table (FakeEmbedder engine)."""

from __future__ import annotations

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
    assert list(table.columns) == ["id", "年度", "西暦", "種類", "類型", "出典", "委託先", "概要"]
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
    assert page.subheader[0].value.startswith("事案 19")
    texts = [m.value for m in page.markdown]
    assert "市民Bの障害福祉サービスの受給者証を誤って市民Aに送付してしまった。" in texts
    assert any("他の職員が再度封筒の宛名" in t for t in texts)  # its measures, in full
    assert any(c.value.startswith("出典: 千葉市の公表事案") and "seed" in c.value for c in page.caption)
    similar = [t for t in texts if t.startswith("**") and "事案 " in t and "類似度" in t]
    assert len(similar) == 5  # the sidebar's 表示件数 (5), the case itself left out
    assert not any("事案 19**" in t for t in similar)
    assert page.subheader[1].value == "この事案に似た事案"
