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


def test_feedback_is_readable_by_its_owner_only_like_the_audit_log(quiet_environment):
    from assistant.feedback import record_feedback

    path = record_feedback(quiet_environment, "封筒の誤封入", "12", similar=True)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_feedback_file_left_world_readable_by_an_older_version_is_tightened(quiet_environment):
    from assistant.feedback import feedback_path, record_feedback

    old = feedback_path(quiet_environment)
    old.parent.mkdir(parents=True)
    old.write_text("", encoding="utf-8")
    old.chmod(0o644)
    record_feedback(quiet_environment, "封筒の誤封入", "12", similar=False)
    assert old.stat().st_mode & 0o777 == 0o600


# ----------------------------------------------------------------------------- masking, measured

CASE_FILES = ("masking_cases.jsonl", "masking_cases_heldout.jsonl")


def _cases():
    for name in CASE_FILES:
        for number, line in enumerate((REPO / "tests" / "data" / name).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                yield pytest.param(json.loads(line), id=f"{name.split('.')[0]}:{number}")


def test_the_tables_hold_forty_sentences_with_personal_data_and_some_without():
    rows = [p.values[0] for p in _cases()]
    assert sum(bool(r["pii"]) for r in rows) >= 40 and sum(not r["pii"] for r in rows) >= 20
    kinds = {kind for r in rows for _, kind in r["pii"]}
    assert kinds == {"name", "address", "phone", "email", "my_number", "number", "postal_code", "birth_date"}


@pytest.mark.parametrize("case", _cases())
def test_every_span_of_personal_data_in_the_tables_is_masked_and_nothing_else(case):
    """The README's promise, case by case: each listed span masked whole, nothing else masked."""
    from assistant.masking import find_personal_data, mask_personal_data, normalize

    text = normalize(case["text"])
    masked = {i for span in find_personal_data(text) for i in range(span.start, span.end)}
    wanted = set()
    cursor = 0
    for value, _ in case["pii"]:
        start = text.index(normalize(value), cursor)
        cursor = start + len(normalize(value))
        wanted |= {i for i in range(start, cursor) if not text[i].isspace()}
    assert wanted - masked == set(), [text[i] for i in sorted(wanted - masked)]
    assert all(any(abs(i - j) <= 1 for j in wanted) for i in masked - wanted)  # at most a space between words
    if not case["pii"]:
        assert mask_personal_data(case["text"]) == text


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("山田 太郎様の件", "［氏名］様の件", "山田"),  # the family name went unmasked
        ("佐藤みどりさんの通知", "［氏名］さんの通知", "みどり"),
        ("千葉港一丁目一番一号の方", "［住所］の方", "一丁目"),
        ("昭和50年1月2日生まれ", "［生年月日］生まれ", "昭和50年"),
        ("生年月日 1975/01/02 の方", "生年月日 ［生年月日］ の方", "1975"),
        ("連絡先 090.1234.5678", "連絡先 ［電話番号］", "1234"),
        ("〒260-8722 の宛先", "［郵便番号］ の宛先", "8722"),
        ("郵便番号 260-8722", "郵便番号 ［郵便番号］", "8722"),
        ("個人番号 一二三四五六七八九〇一二", "個人番号 ［個人番号］", "五六七八"),
    ],
)
def test_what_the_issue_found_unmasked_is_masked(text, kept, gone):
    from assistant.audit import mask_personal_data  # what the audit log and feedback.jsonl use

    assert mask_personal_data(text) == kept and gone not in mask_personal_data(text)


def test_incident_dates_are_kept_and_old_full_dates_are_taken_as_birth_dates():
    from datetime import date

    from assistant.masking import BIRTH_DATE, find_personal_data

    today = date(2026, 12, 1)
    assert find_personal_data("令和6年4月1日に発送", today=today) == []
    assert find_personal_data("2024/05/10 の窓口で", today=today) == []
    assert [s.kind for s in find_personal_data("1982年11月30日の記載", today=today)] == [BIRTH_DATE]
    assert [s.kind for s in find_personal_data("令和3年1月2日生まれ", today=today)] == [BIRTH_DATE]


def test_the_bundled_incidents_and_eval_questions_get_nothing_masked():
    """Public records that name no one: every mask there would be a word lost from the log."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from masking import clean_texts

    from assistant.masking import find_personal_data

    texts = clean_texts()
    masked = [(t[:40], find_personal_data(t)) for t in texts if find_personal_data(t)]
    # None today (0 of 271); a published office phone number in a future table would be masked, fairly.
    assert len(masked) <= len(texts) // 50, masked


def test_a_pasted_document_of_fifty_thousand_characters_is_masked_whole():
    from assistant.masking import mask_personal_data

    text = ("山田太郎様の受給者証を誤送付した。" * 1500) + "最後に鈴木花子さん"
    masked = mask_personal_data(text)
    assert "山田" not in masked and "鈴木花子" not in masked and masked.count("［氏名］") == 1501


def test_masking_is_safe_from_many_threads():
    from concurrent.futures import ThreadPoolExecutor

    from assistant.masking import mask_personal_data

    texts = [f"佐藤みどりさん{i}の通知を千葉港一丁目一番一号に送った" for i in range(200)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(mask_personal_data, texts))
    assert all(r.startswith("［氏名］さん") and "［住所］" in r for r in results)
