"""The password gate: with ZENREI_PASSWORD set, nothing of the page shows until it is given."""

import pytest
from streamlit.proto.TextInput_pb2 import TextInput as TextInputProto
from streamlit.testing.v1 import AppTest

SECRET = "前例-2025-secret"


def _page():
    import streamlit as st

    from ui.gate import require_password

    require_password()
    st.markdown("前例の画面です")


@pytest.fixture
def page():
    return AppTest.from_function(_page, default_timeout=30)


def _shown(at):
    return [m.value for m in at.markdown]


def test_without_a_password_set_the_page_opens_directly(page, monkeypatch):
    monkeypatch.delenv("ZENREI_PASSWORD", raising=False)
    page.run()
    assert not page.exception
    assert _shown(page) == ["前例の画面です"]
    assert len(page.text_input) == 0


def test_with_a_password_set_the_page_asks_for_it_and_shows_nothing_else(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    assert not page.exception
    assert "前例の画面です" not in _shown(page)
    assert page.text_input[0].proto.type == TextInputProto.PASSWORD  # typed characters hidden
    assert "パスワード" in page.text_input[0].label


def test_a_wrong_password_is_refused_with_a_message(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    page.text_input[0].input("guess").run()
    assert "前例の画面です" not in _shown(page)
    assert "パスワードが違います" in page.error[0].value


def test_a_prefix_of_the_password_is_not_enough(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    page.text_input[0].input(SECRET[:-1]).run()
    assert "前例の画面です" not in _shown(page)


def test_the_right_password_opens_the_page_and_the_field_goes_away(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    page.text_input[0].input(SECRET).run()
    assert not page.exception
    assert _shown(page) == ["前例の画面です"]
    assert len(page.text_input) == 0
    assert SECRET not in [str(v) for v in page.session_state.values()]


def test_once_in_the_page_stays_open_for_the_session(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    page.text_input[0].input(SECRET).run()
    page.run()
    assert _shown(page) == ["前例の画面です"]
