"""Questions leave no trace: nothing under ZENREI_HOME and nothing in the logs holds them.

Questions describe real incidents and often name the people involved. Unless an office turns
on the audit log (ZENREI_AUDIT_LOG, masked; see tests/test_audit.py), Zenrei must not keep
them: not in the index folder, not in a cache, not in a log line.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
import streamlit as st
from conftest import REPO, SEED, FakeEmbedder
from streamlit.testing.v1 import AppTest

from assistant.answer import answer
from assistant.engine import open_engine
from assistant.settings import Settings

# Each holds a string found nowhere in the tables, so any copy of it on disk is a copy of the question.
QUESTIONS = (
    "山田太郎様の受給者証を佐藤花子様の封筒に入れて送ってしまった（照会番号ZP-4711）",
    "090-8765-4321 の田中一郎さんに、別の方の検診結果を電話で伝えた ZP-4712",
    "privacy probe ZP-4713: mailed Suzuki Jiro's tax notice to the wrong address",
)
# What must not appear: each whole question and the personal details inside them.
SECRETS = (*QUESTIONS, "山田太郎", "佐藤花子", "090-8765-4321", "田中一郎", "Suzuki Jiro", "ZP-471")


def _forms(secret: str) -> list[bytes]:
    """The ways a string could be stored: UTF-8, UTF-16, JSON with \\u escapes, Shift_JIS."""
    forms = [secret.encode("utf-8"), secret.encode("utf-16-le"), json.dumps(secret)[1:-1].encode("ascii")]
    try:
        forms.append(secret.encode("cp932"))
    except UnicodeEncodeError:
        pass
    return forms


def _files_holding_a_secret(root: Path, newer_than: float = 0.0) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.stat().st_mtime >= newer_than:
            data = path.read_bytes()
            found += [f"{path}: {secret[:20]}" for secret in SECRETS if any(f in data for f in _forms(secret))]
    return found


def _text_holding_a_secret(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text or json.dumps(secret)[1:-1] in text]


@pytest.fixture
def quiet_environment(zenrei_home, monkeypatch, caplog):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    monkeypatch.delenv("ZENREI_AUDIT_LOG", raising=False)
    caplog.set_level(logging.DEBUG)  # every log record of every library, not just warnings
    return zenrei_home


def test_the_secrets_are_not_in_the_tables_to_begin_with():
    tables = SEED.read_text(encoding="utf-8") + (REPO / "data/tables/other_bodies_published.jsonl").read_text()
    assert not _text_holding_a_secret(tables)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "json", "cp932"])
def test_the_search_would_find_a_question_stored_in_any_of_these_forms(tmp_path, encoding):
    secret = "田中一郎"
    data = json.dumps({"q": secret}).encode() if encoding == "json" else secret.encode(encoding)
    (tmp_path / "deep" / "down").mkdir(parents=True)
    (tmp_path / "deep" / "down" / "cache.bin").write_bytes(b"\x00prefix" + data + b"suffix")
    assert len(_files_holding_a_secret(tmp_path)) == 1


def test_questions_answered_through_the_engine_leave_nothing_under_zenrei_home_or_in_logs(
    quiet_environment, caplog, capfd
):
    started = time.time() - 1
    engine = open_engine(Settings.from_env(), embedder=FakeEmbedder())
    for question in QUESTIONS:
        assert answer(question, searcher=engine.searcher).hits
    engine = open_engine(Settings.from_env(), embedder=FakeEmbedder())  # reopened: the saved index
    assert engine.rebuilt_because is None
    answer(QUESTIONS[0], searcher=engine.searcher)

    assert any(quiet_environment.rglob("manifest.json")), "the index should have been saved under ZENREI_HOME"
    assert _files_holding_a_secret(quiet_environment) == []
    assert _files_holding_a_secret(Path.home() / ".streamlit", newer_than=started) == []
    out, err = capfd.readouterr()
    assert _text_holding_a_secret(caplog.text + out + err) == []


def test_questions_asked_on_the_page_leave_nothing_under_zenrei_home_or_in_logs(
    quiet_environment, monkeypatch, caplog, capfd
):
    # The page opens its engine itself; give it the fake embedder instead of the real model.
    monkeypatch.setattr("assistant.engine.open_embedder", lambda *args, **kwargs: FakeEmbedder())
    st.cache_resource.clear()
    started = time.time() - 1
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    for question in QUESTIONS:
        at.chat_input[0].set_value(question).run()
        assert not at.exception
    shown = " ".join(m.value.replace("\\", "") for m in at.markdown)
    assert QUESTIONS[0] in shown, "the question should be on the page (in this session only)"
    st.cache_resource.clear()  # the page's engine closed, as when the server stops

    assert any(quiet_environment.rglob("manifest.json"))
    assert _files_holding_a_secret(quiet_environment) == []
    assert _files_holding_a_secret(Path.home() / ".streamlit", newer_than=started) == []
    out, err = capfd.readouterr()
    assert _text_holding_a_secret(caplog.text + out + err) == []


def test_a_feedback_click_keeps_no_names_or_phone_numbers(quiet_environment):
    from assistant.feedback import record_feedback

    path = record_feedback(quiet_environment, QUESTIONS[1], "12", similar=True)
    kept = path.read_text(encoding="utf-8")
    assert "田中一郎" not in kept and "090-8765-4321" not in kept
