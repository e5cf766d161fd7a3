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
    import streamlit as st

    st.cache_data.clear()  # uploads are parsed once per content: no test may see another's
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


def test_history_times_are_shown_in_japan_time(page, zenrei_home):
    import datetime as dt

    _upload(page, "a.csv", GOOD.encode())
    page.button(key="data-commit").click().run()
    with Store(store_path(zenrei_home)) as store:
        (change,) = store.history()
    shown = page.dataframe[-1].value["日時 (JST)"][0]
    stored = dt.datetime.fromisoformat(change.at)
    assert shown == stored.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%d %H:%M:%S")
    assert "T" not in shown and "+" not in shown  # not the stored ISO string


def test_template_downloads_have_the_headers_and_import_as_one_example(downloads, page, tmp_path):
    from assistant.importer import preview, validate

    for name in ("取り込み用テンプレート.csv", "取り込み用テンプレート.xlsx"):
        path = tmp_path / name
        path.write_bytes(downloads[name])
        assert preview(path).headers == ("id", "年度", "事案の内容", "類型", "再発防止策")
        (example,) = validate(path).incidents
        assert example.fiscal_year == 2024 and len(example.measures) == 2


def _seed_pdf(tmp_path):
    from pdf_layouts import list_pdf, seed_rows

    return list_pdf(tmp_path / "一覧.pdf", [seed_rows(SEED)]).read_bytes()


def test_a_pdf_list_is_read_once_however_often_the_page_reruns(page, zenrei_home, tmp_path, monkeypatch):
    from assistant import importer

    calls = []
    original = importer.parse
    monkeypatch.setattr(importer, "parse", lambda *a, **k: calls.append(a) or original(*a, **k))
    _upload(page, "一覧.pdf", _seed_pdf(tmp_path))
    assert "19件を取り込めます" in page.success[0].value
    page.selectbox(key="map-categories-一覧.pdf-1-0").set_value("（使わない）").run()
    page.selectbox(key="map-categories-一覧.pdf-1-0").set_value("類型").run()
    assert len(calls) == 1  # parsed once, by content hash, not on every rerun
    page.button(key="data-commit").click().run()
    assert not page.exception and len(_stored(zenrei_home)) == 19


def test_a_pdf_with_two_tables_offers_a_choice(page, zenrei_home, tmp_path):
    from pdf_layouts import list_pdf

    header = ["発生日", "事案の概要", "類型", "再発防止策"]
    one = [["2024/4/1", "住民票を誤交付した", "", "本人確認を徹底する"]]
    two = [
        ["2024/5/1", "メールを誤送信した", "", "送信前に確認する"],
        ["2024/6/1", "FAXを誤送信した", "", "読み上げる"],
    ]
    blob = list_pdf(tmp_path / "t.pdf", [("市民課", header, one), ("福祉課", header, two)]).read_bytes()
    _upload(page, "公表.pdf", blob)
    box = page.selectbox(key="data-table-公表.pdf-0")
    assert box.options == ["1「市民課」(p1、1行)", "2「福祉課」(p1、2行)"]
    assert "1件を取り込めます" in page.success[0].value
    box.set_value("2「福祉課」(p1、2行)").run()
    assert "2件を取り込めます" in page.success[0].value
    page.button(key="data-commit").click().run()
    assert [i.description for i in _stored(zenrei_home)] == ["メールを誤送信した", "FAXを誤送信した"]


PRESS = (
    "<html><head><title>[![x](http://203.0.113.9/e.png)](http://a) 誤送付について｜B市</title></head><body>"
    "<nav>ホーム 再発防止策</nav><h1>**誤送付**について</h1><h2>1 概要</h2>"
    "<p>令和6年5月7日、児童手当の通知書を別の世帯に郵送した。</p><h2>2 再発防止策</h2>"
    "<ul><li>封入は二人で確認する。</li><li>発送前に件数を照合する。</li></ul><p>深くお詫び申し上げます。</p>"
    "</body></html>"
)


def test_a_press_release_page_is_shown_for_editing_and_stored_as_one_searchable_case(page, zenrei_home):
    _upload(page, "press.html", PRESS.encode())
    assert page.text_input(key="press-body-press.html-0").value == "B市"
    assert page.text_input(key="press-date-press.html-0").value == "令和6年5月7日"
    assert page.text_area(key="press-measures-press.html-0").value == "封入は二人で確認する。\n発送前に件数を照合する。"
    assert all("<" not in m.value and "](http" not in m.value for m in page.markdown)  # escaped, never rendered
    page.text_input(key="press-url-press.html-0").set_value("https://b.example/press.html").run()
    assert "1件を取り込めます" in page.success[0].value
    page.button(key="data-commit").click().run()
    assert not page.exception
    (stored,) = _stored(zenrei_home)
    assert stored.source == "https://b.example/press.html" and stored.fiscal_year == 2024
    assert stored.measures == ("封入は二人で確認する。", "発送前に件数を照合する。")
    from ui.engine import get_engine

    assert get_engine().searcher.search(stored.description, top_k=1)[0].incident.id == stored.id


def test_pasted_press_text_asks_for_what_it_does_not_say(page, zenrei_home):
    page.radio(key="data-mode").set_value("報道発表の本文を貼り付け").run()
    text = "書類の紛失について\n１．概要\nUSBメモリを紛失した。\n２．再発防止策\n持ち出しを許可制にする。\n"
    page.text_area(key="data-paste-0").set_value(text).run()
    assert "ページに団体名がありません" in page.text[0].value and "日付" in page.text[0].value
    key = next(t.key for t in page.text_input if t.key.startswith("press-body-"))
    page.text_input(key=key).set_value("C町").run()
    page.text_input(key=key.replace("body", "date")).set_value("R5").run()
    assert "1件を取り込めます" in page.success[0].value
    page.button(key="data-commit").click().run()
    (stored,) = _stored(zenrei_home)
    assert stored.description == "USBメモリを紛失した。" and stored.metadata["body"] == "C町"
    assert stored.fiscal_year == 2023


def test_unknown_headers_are_mapped_with_selectboxes(page, zenrei_home):
    _upload(page, "other.csv", "日付,内容\nR5,書類を紛失した\n".encode())
    assert page.error and "「事案の内容」の列を指定してください" in page.text[0].value
    page.selectbox(key="map-description-other.csv-1-0").set_value("内容").run()
    page.selectbox(key="map-year-other.csv-1-0").set_value("日付").run()
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
    stored = page.dataframe[-2].value  # 保存した事案 (the history is the last table)
    assert list(stored["取り込んだファイル:行"]) == ["a.csv:2"] and stored["公表団体"].str.len().min() > 0
    page.text_area[0].set_value("FAX番号を誤って送信した")
    page.button[0].click()  # the form's 保存する
    page.run()
    assert not page.exception
    assert _stored(zenrei_home)[0].description == "FAX番号を誤って送信した"
    page.checkbox(key="delete-confirm-a-1").check().run()
    page.button(key="data-delete").click().run()
    assert _stored(zenrei_home) == ()
    assert list(page.dataframe[-1].value["操作"]) == ["削除", "編集", "追加"]
