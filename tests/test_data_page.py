"""The 「データの管理」 page, driven by AppTest on the seed (FakeEmbedder engine)."""

from __future__ import annotations

import pytest
from conftest import REPO, SEED
from streamlit.testing.v1 import AppTest

from assistant.store import Store, store_path

PAGE = str(REPO / "ui" / "data.py")
GOOD = (
    "年度,事案の内容,類型,再発防止策\nR6,児童手当の通知書に他の世帯の通知書を同封して郵送した,,封入時に二人で確認する\n"
)


@pytest.fixture
def page(fake_engine, zenrei_home, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def _upload(at, name, content: bytes):
    at.file_uploader[0].set_value((name, content, "text/csv"))
    at.run()
    assert not at.exception
    return at


def _stored(home):
    with Store(store_path(home)) as store:
        return store.incidents()


def test_an_uploaded_table_is_previewed_and_stored_only_after_confirming(page, zenrei_home):
    _upload(page, "課の事案.csv", GOOD.encode("cp932"))
    assert "1件を取り込めます" in page.success[0].value
    assert _stored(zenrei_home) == ()  # nothing before the button
    page.button(key="data-commit").click().run()
    assert not page.exception
    (stored,) = _stored(zenrei_home)
    assert stored.citation == "課の事案.csv:2"
    assert "1件を保存しました" in page.success[0].value
    from ui.engine import get_engine

    engine = get_engine()  # reopened from the saved index, with the new case
    assert engine.rebuilt_because is None
    assert engine.searcher.search(stored.description, top_k=1)[0].incident.id == stored.id
    history = page.dataframe[-1].value
    assert list(history["操作"]) == ["追加"] and list(history["ファイル"]) == ["課の事案.csv"]


def test_unknown_headers_are_mapped_with_selectboxes(page, zenrei_home):
    _upload(page, "other.csv", "日付,内容\nR5,書類を紛失した\n".encode())
    assert page.error and "「事案の内容」の列を指定してください" in page.text[0].value
    page.selectbox(key="map-description-other.csv-0").set_value("内容").run()
    page.selectbox(key="map-year-other.csv-0").set_value("日付").run()
    assert "1件を取り込めます" in page.success[0].value
    page.button(key="data-commit").click().run()
    assert _stored(zenrei_home)[0].fiscal_year == 2023


def test_a_broken_file_shows_its_lines_and_offers_no_import_button(page, zenrei_home):
    _upload(page, "bad.csv", "年度,事案の内容\nR5,\nR6,紛失\n".encode())
    assert "bad.csv:2: 事案の内容が空です" in page.text[0].value
    assert not [b for b in page.button if b.key == "data-commit"]
    assert _stored(zenrei_home) == ()


def test_markup_in_a_file_is_shown_escaped(page):
    _upload(page, "x.csv", "年度,事案の内容\nR5,**太字**と<b>タグ</b>\n".encode())
    shown = page.dataframe[-1].value
    assert shown["事案の内容"][0] == "**太字**とタグ"  # HTML stripped by the readers; a dataframe cell is not markdown
    assert all("<b>" not in m.value for m in page.markdown)


def test_a_stored_case_can_be_edited_and_deleted(page, zenrei_home):
    _upload(page, "a.csv", GOOD.encode())
    page.button(key="data-commit").click().run()
    page.text_area[0].set_value("FAX番号を誤って送信した")
    page.button[0].click()  # the form's 保存する
    page.run()
    assert not page.exception
    assert _stored(zenrei_home)[0].description == "FAX番号を誤って送信した"
    page.checkbox(key="delete-confirm-a-1").check().run()
    page.button(key="data-delete").click().run()
    assert _stored(zenrei_home) == ()
    assert list(page.dataframe[-1].value["操作"]) == ["削除", "編集", "追加"]
