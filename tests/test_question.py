"""Filters stated in a question, phrase by phrase."""

import datetime as dt

import pytest

from assistant.question import merge, read_filters
from index.filters import Filters

TODAY = dt.date(2026, 11, 26)  # FY2026 = 令和8年度
LABELS = {"data/tables/seed.txt": "千葉市の公表事案", "data/tables/other.jsonl": "他団体の公表事案"}


def read(message):
    return read_filters(message, today=TODAY, labels=LABELS)


@pytest.mark.parametrize(
    ("message", "year_from", "year_to", "chip"),
    [
        ("R6だけ", 2024, 2024, "令和6年度"),
        ("Ｒ６の誤送付", 2024, 2024, "令和6年度"),
        ("令和6年度の事案", 2024, 2024, "令和6年度"),
        ("２０２４年度の紛失", 2024, 2024, "令和6年度"),
        ("令和元年度の事案", 2019, 2019, "令和元年度"),
        ("H30の事案", 2018, 2018, "平成30年度"),
        ("R5〜R6の事案", 2023, 2024, "令和5年度〜令和6年度"),
        ("R5からR6まで", 2023, 2024, "令和5年度〜令和6年度"),
        ("令和5年度以降の紛失", 2023, None, "令和5年度以降"),
        ("R5まで", None, 2023, "令和5年度まで"),
        ("昨年度の誤送付", 2025, 2025, "令和7年度"),
        ("今年度の事案", 2026, 2026, "令和8年度"),
        ("一昨年度以降", 2024, None, "令和6年度以降"),
    ],
)
def test_years_stated_as_a_request_become_a_year_filter_and_a_chip(message, year_from, year_to, chip):
    stated = read(message)
    assert (stated.filters.year_from, stated.filters.year_to) == (year_from, year_to)
    assert [c.label for c in stated.chips] == [chip]


def test_relative_years_follow_the_april_fiscal_year():
    before_april = read_filters("昨年度の事案", today=dt.date(2026, 3, 31))
    assert before_april.filters.year_from == 2024


@pytest.mark.parametrize(
    "message",
    [
        "令和7年度、障害福祉課において、市民Cあての通知書に市民Dの通知書が混入していた",
        "令和7年6月、委託先の健診機関で問診票を紛失した",
        "2024年5月に送ったメールに別人の情報があった",
        "要配慮個人情報を含む書類を紛失した",
        "不正目的かどうかはわからないが、書類が持ち出された",
    ],
)
def test_years_and_categories_inside_a_narrative_are_not_filters(message):
    stated = read(message)
    assert stated.filters.is_empty and stated.chips == ()
    assert stated.remainder == message


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("要配慮のみ", "要配慮"),
        ("要配慮の事案から誤送付", "要配慮"),
        ("100人超のもの", "100人以上"),
        ("100人以上だけ", "100人以上"),
        ("100人を超える事案", "100人以上"),
        ("不正目的の事案だけ見せて", "不正目的"),
        ("不正の目的のもの", "不正目的"),
        ("財産的被害の事案", "財産的被害"),
    ],
)
def test_categories_stated_as_a_request_become_a_category_filter(message, category):
    stated = read(message)
    assert stated.filters.categories == {category}
    assert [c.key for c in stated.chips] == [f"category:{category}"]


def test_other_bodies_and_own_body_select_the_sources_by_their_labels():
    assert read("他団体の事案で、USBメモリの紛失").filters.sources == {"data/tables/other.jsonl"}
    assert read("本市の事案だけ").filters.sources == {"data/tables/seed.txt"}


def test_the_search_text_keeps_what_is_left_after_the_filter_phrases():
    assert read("令和6年度の誤送付").remainder == "誤送付"
    assert read("他団体の事案で、USBメモリの紛失").remainder == "USBメモリの紛失"
    assert read("R6の要配慮だけ見せて").remainder == ""


def test_a_chip_can_be_removed():
    stated = read("R6の要配慮だけ")
    without_year = stated.without("year")
    assert without_year.filters.year_from is None and without_year.filters.categories == {"要配慮"}
    assert [c.label for c in without_year.chips] == ["要配慮"]
    assert stated.without("category:要配慮").filters.categories == frozenset()


def test_stated_filters_override_the_page_filters_field_by_field():
    page = Filters(year_from=2022, year_to=2022, categories=frozenset({"要配慮"}))
    merged = merge(page, Filters(year_from=2024, year_to=2024))
    assert (merged.year_from, merged.year_to, merged.categories) == (2024, 2024, {"要配慮"})


@pytest.mark.parametrize(
    ("message", "kinds", "contractor"),
    [
        ("誤送付の事案", {"誤送付"}, None),
        ("メール誤送信だけ見せて", {"メール誤送信"}, None),
        ("委託先の事案だけ", set(), True),
        ("委託先が関与した紛失の事案", {"紛失"}, True),
    ],
)
def test_kinds_and_contractor_asked_for_become_filters(message, kinds, contractor):
    stated = read(message)
    assert stated.filters.kinds == kinds and stated.filters.contractor is contractor


@pytest.mark.parametrize("message", ["委託先のサーバーがランサムウェアに感染した", "書類を紛失した", "誤送付の防止策"])
def test_kinds_and_contractors_in_a_narrative_are_not_filters(message):
    assert read(message).filters.is_empty
