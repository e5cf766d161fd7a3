"""Fiscal years as Japanese tables write them, and the labels readers expect."""

from __future__ import annotations

import pytest

from data.years import MAX_YEAR, MIN_YEAR, display_year, era_label, parse_fiscal_year


@pytest.mark.parametrize(
    ("written", "fiscal_year"),
    [
        # Reiwa: R n = 2018 + n
        ("R4", 2022),
        ("Ｒ５", 2023),  # full-width, as in some published tables
        ("r4", 2022),
        ("R 6", 2024),
        ("R4年度", 2022),
        ("令和4年度", 2022),
        ("令和４年度", 2022),
        ("令和4年", 2022),
        ("令和元年", 2019),
        ("令和元年度", 2019),
        ("R1", 2019),
        ("令和四年度", 2022),  # kanji numerals
        ("令和十二年度", 2030),
        ("㋿5", 2023),  # the one-character era sign
        # Heisei: H n = 1988 + n, H31 = FY2019 (Reiwa began in May, after the fiscal year)
        ("H31", 2019),
        ("H1", 1989),
        ("h30", 2018),
        ("平成31年度", 2019),
        ("平成元年", 1989),
        ("平成元年度", 1989),
        ("平成30年度", 2018),
        # Showa: S n = 1925 + n
        ("S63", 1988),
        ("昭和64年", 1989),
        # Western
        ("2022年度", 2022),
        ("2022", 2022),
        ("２０２２", 2022),
        ("FY2022", 2022),
        ("fy 2022", 2022),
        ("2022年", 2022),
        ("2022-23", 2022),
        ("2022/2023", 2022),
        (" 2024 ", 2024),
    ],
)
def test_parse_fiscal_year_reads_every_published_form(written: str, fiscal_year: int) -> None:
    assert parse_fiscal_year(written) == fiscal_year


@pytest.mark.parametrize(
    "written",
    [
        "",
        "   ",
        None,
        "不明",
        "R?",
        "R99",  # 2117: a typo, not a year
        "R0",
        "H32",  # Heisei ended with H31
        "S65",
        "平成0年",
        "3000",
        "1899",
        "2022-25",  # not a single April–March span
        "22",
        "令和",
        "R4.5.1",
        "R4 H5",
    ],
)
def test_parse_fiscal_year_returns_none_for_unknown_or_out_of_range(written: str | None) -> None:
    assert parse_fiscal_year(written) is None


def test_parse_fiscal_year_range_is_inclusive_at_both_ends() -> None:
    assert parse_fiscal_year(str(MIN_YEAR)) == MIN_YEAR
    assert parse_fiscal_year(str(MAX_YEAR)) == MAX_YEAR
    assert parse_fiscal_year(str(MAX_YEAR + 1)) is None


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [
        (2019, "令和元年度"),
        (2020, "令和2年度"),
        (2022, "令和4年度"),
        (2024, "令和6年度"),
        (2018, "平成30年度"),
        (1990, "平成2年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1927, "昭和2年度"),
    ],
)
def test_era_label_names_the_fiscal_year_as_a_japanese_reader_expects(fiscal_year: int, label: str) -> None:
    assert era_label(fiscal_year) == label


def test_era_label_falls_back_to_western_year_before_showa_fiscal_years() -> None:
    assert era_label(1926) == "1926年度"


def test_era_label_round_trips_through_parse() -> None:
    for fiscal_year in range(1927, 2101):
        assert parse_fiscal_year(era_label(fiscal_year)) == fiscal_year, fiscal_year


def test_display_year_shows_era_and_western_year() -> None:
    assert display_year(2024) == "令和6年度 (2024)"
    assert display_year(2019) == "令和元年度 (2019)"


def test_display_year_says_unknown_for_none() -> None:
    assert display_year(None) == "年度不明"
