"""Citations in filed documents: publishing body, fiscal year, case id and URL; never a file path."""

from __future__ import annotations

import dataclasses
import json

from conftest import SEED

from assistant.citation import body_of, cite, source_of
from data import read_table

OTHERS = SEED.parent / "other_bodies_published.jsonl"


def test_a_seed_case_is_cited_by_the_label_sources_json_gives_its_table():
    case = next(i for i in read_table(SEED).incidents if i.id == "19")
    assert cite(case) == "出典: 千葉市の公表事案（令和4〜6年度）・令和6年度・事案19"


def test_an_other_bodies_case_names_its_city_and_its_published_page():
    case = read_table(OTHERS).incidents[0]
    ref = source_of(case, "他団体の公表事案")
    assert ref.body == case.metadata["body"] and ref.url == case.metadata["source_url"]
    assert cite(case) == f"出典: {ref.body}・令和6年度・事案{case.id}・{ref.url}"


def test_an_unsafe_url_is_left_out_and_an_unknown_year_said_so():
    case = read_table(OTHERS).incidents[0]
    case = dataclasses.replace(case, fiscal_year=None, metadata={"body": "鎌倉市", "source_url": "javascript:alert(1)"})
    assert cite(case) == f"出典: 鎌倉市・年度不明・事案{case.id}"


def test_a_table_without_catalog_or_body_is_named_by_its_file_name_only(tmp_path):
    table = tmp_path / "庁内" / "my_cases.jsonl"
    table.parent.mkdir()
    row = {"id": "A1", "year": "2023", "description": "書類を紛失した。", "measures": "保管庫を施錠する。"}
    table.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    case = read_table(table).incidents[0]
    assert body_of(case) == "my_cases.jsonl"
    assert cite(case) == "出典: my_cases.jsonl・令和5年度・事案A1"
    assert cite(case, {case.source: "庁内の事案"}) == "出典: 庁内の事案・令和5年度・事案A1"
    assert str(tmp_path) not in cite(case)
