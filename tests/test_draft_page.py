"""The drafting page, driven by AppTest on the seed.

The page is about editing, not ranking, so the engine runs on FakeEmbedder (the real model's
merging is tested in test_drafting.py); that keeps these tests to seconds.
"""

from __future__ import annotations

import io

import docx
import pytest
from conftest import REPO, SEED
from streamlit.testing.v1 import AppTest

from assistant.drafting import by_theme
from tests.docx_checks import assert_filed_word

QUESTION = "封筒に別の人の受給者証を入れて送ってしまった"
PAGE = str(REPO / "ui" / "draft.py")


@pytest.fixture
def page(fake_engine, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    at = AppTest.from_file(PAGE, default_timeout=60)
    return at


def _markdown(downloads) -> str:
    return downloads["再発防止策（案）.md"].decode("utf-8")


def _draft_inputs(at):
    return [t for t in at.text_input if "-text-p" in (t.key or "")]


def test_the_question_defaults_to_the_last_one_asked_in_the_chat(page):
    page.session_state["messages"] = [
        {"role": "user", "content": "メールを誤送信した"},
        {"role": "assistant", "answer": None},
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "answer": None},
    ]
    page.run()
    assert not page.exception
    assert page.text_area(key="draft_question").value == QUESTION
    assert page.title[0].value == "再発防止策の起案"


def test_a_question_gives_items_by_theme_that_can_be_unticked_and_extended(page, downloads):
    page.run()
    page.text_area(key="draft_question").input(QUESTION)
    page.button[0].click().run()
    assert not page.exception
    inputs = _draft_inputs(page)
    assert len(inputs) >= 3
    assert any(m.value.startswith("#### ") for m in page.markdown)  # theme headings
    assert any("事案" in c.value and "年度" in c.value for c in page.caption)  # citations shown
    markdown = _markdown(downloads)
    assert markdown.startswith("# 再発防止策の検討資料") and QUESTION in markdown
    first = inputs[0]
    assert first.value in markdown

    # Untick the first item: it leaves the download.
    page.checkbox(key=first.key.replace("-text-", "-accept-")).uncheck().run()
    assert not page.exception
    assert first.value not in _markdown(downloads)

    # Add one's own measure: it joins the download, marked as one's own.
    own = "窓口に発送記録簿を置き、封入のたびに記録する。"
    page.text_input(key=next(t.key for t in page.text_input if "own-text" in (t.key or ""))).input(own)
    next(b for b in page.button if b.label == "自分の対策を追加").click().run()
    assert not page.exception
    assert f"- {own} 〔独自の対策〕" in _markdown(downloads)
    assert own in [t.value for t in page.text_input]

    # The Word file is ready to file and holds the same sections and the own item.
    assert_filed_word(downloads["再発防止策（案）.docx"])
    word = docx.Document(io.BytesIO(downloads["再発防止策（案）.docx"]))
    texts = [p.text for p in word.paragraphs]
    assert {"事案の概要", "類似の前例", "再発防止策（案）"} <= set(texts)
    assert f"{own} 〔独自の対策〕" in texts


def test_precedents_cite_the_publishing_body_not_a_file(page, downloads):
    page.run()
    page.text_area(key="draft_question").input(QUESTION)
    page.button[0].click().run()
    assert not page.exception
    shown = [c.value.replace("\\", "") for c in page.caption if c.value.startswith("出典")]
    assert shown and all(c.startswith("出典: 千葉市の公表事案（令和4〜6年度）・令和") for c in shown)
    for text in (*shown, _markdown(downloads)):
        assert "seed" not in text and "tables" not in text


def test_editing_the_wording_and_moving_an_item_reach_the_download(page, downloads):
    page.run()
    page.text_area(key="draft_question").input(QUESTION)
    page.button[0].click().run()
    first = _draft_inputs(page)[0]
    first.input("封入前に別の職員が宛名を一件ずつ確認する（改訂）").run()
    assert not page.exception
    assert "- 封入前に別の職員が宛名を一件ずつ確認する（改訂） 〔事案" in _markdown(downloads)
    assert page.session_state["draft"].item(first.key.rsplit("-", 1)[-1]).text.endswith("（改訂）")

    # Moving the first item of a theme down puts it after the next one of that theme.
    draft = page.session_state["draft"]
    theme, items = next((t, i) for t, i in by_theme([i for i in draft.items if i.accepted]) if len(i) > 1)
    upper, lower = items[0], items[1]
    next(b for b in page.button if (b.key or "").endswith(f"-down-{upper.key}")).click().run()
    assert not page.exception
    markdown = _markdown(downloads)
    assert markdown.index(f"- {lower.text} ") < markdown.index(f"- {upper.text} ")


def test_an_empty_question_asks_for_one(page):
    page.run()
    page.button[0].click().run()
    assert not page.exception
    assert page.warning[0].value == "事案の概要を入力してください。"
    assert not page.download_button
