"""The audit log: off by default; when on, one JSON line a search with personal data masked."""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import SEED

from assistant.audit import (
    ADDRESS,
    EMAIL,
    MY_NUMBER,
    NAME,
    NUMBER,
    PHONE,
    audit_entry,
    mask_personal_data,
    record_search,
)
from data import read_table
from index.filters import Filters
from index.storage import build_searcher


@pytest.mark.parametrize(
    ("text", "hidden", "marker"),
    [
        ("山田太郎様の受給者証を別の方に送付した", "山田太郎", NAME),
        ("窓口で鈴木さんの申請書を取り違えた", "鈴木", NAME),
        ("ヤマダハナコ様宛ての通知を誤封入", "ヤマダハナコ", NAME),
        ("田中氏から苦情があった", "田中", NAME),
        ("氏名：佐藤 花子、生年月日も記載", "佐藤 花子", NAME),
        ("名前は高橋一郎で、", "高橋一郎", NAME),
        ("東京都新宿区西新宿2-8-1の世帯に誤送付", "西新宿2-8-1", ADDRESS),
        ("送付先は中野区中央１丁目２番３号でした", "中央1丁目2番3号", ADDRESS),
        ("大阪府大阪市北区中之島1丁目3番20号", "中之島", ADDRESS),
        ("さいたま市浦和区高砂3丁目15番1号に郵送", "高砂3丁目", ADDRESS),
        ("電話番号03-1234-5678を読み上げた", "1234-5678", PHONE),
        ("携帯（０９０－１２３４－５６７８）に折り返した", "1234", PHONE),
        ("代表0120-123-456に架電", "0120", PHONE),
        ("(03)1234-5678 へ FAX", "1234-5678", PHONE),
        ("+81 90 1234 5678 に SMS", "1234 5678", PHONE),
        ("hanako.sato@example.lg.jp に誤送信", "hanako.sato", EMAIL),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ に返信", "taro", EMAIL),
        ("マイナンバー123456789012を記載", "123456789012", MY_NUMBER),
        ("個人番号 1234 5678 9012 が見えた", "1234 5678 9012", MY_NUMBER),
        ("個人番号１２３４－５６７８－９０１２の通知カード", "5678", MY_NUMBER),
        ("受給者番号12345678の証を同封", "12345678", NUMBER),
    ],
)
def test_personal_data_in_realistic_questions_is_masked(text, hidden, marker):
    masked = mask_personal_data(text)
    assert hidden not in masked
    assert marker in masked


@pytest.mark.parametrize(
    "text",
    [
        "封筒に別の人の受給者証を入れて送ってしまった",
        "同様の事案が仕様変更の際に発生した。皆様にお詫びする",
        "本市職員2名が令和6年度に誤送付",
        "氏名及び住所が記載された書類を紛失",
        "2024年4月1日に100人分の名簿をなくした",
        "委託先のサーバーがランサムウェアに感染した",
    ],
)
def test_ordinary_wording_without_personal_data_is_kept_as_it_is(text):
    assert mask_personal_data(text) == text


def test_the_twelve_digit_rule_does_not_swallow_longer_numbers_as_individual_numbers():
    masked = mask_personal_data("口座 1234567890123 を記載")
    assert MY_NUMBER not in masked and NUMBER in masked


def test_several_kinds_in_one_question_are_all_masked():
    text = "氏名：山田太郎、住所：東京都千代田区霞が関1-1-1、TEL 03-3581-0000、taro@example.jp"
    masked = mask_personal_data(text)
    for secret in ("山田太郎", "霞が関1-1-1", "3581", "taro@"):
        assert secret not in masked
    assert all(marker in masked for marker in (NAME, ADDRESS, PHONE, EMAIL))


@pytest.fixture
def hits(fake_embedder):
    searcher = build_searcher(read_table(SEED).incidents, fake_embedder)
    return searcher.search("封筒に別の人の受給者証を入れて送ってしまった", top_k=3)


def test_nothing_is_written_when_the_variable_is_unset(tmp_path, monkeypatch, hits):
    monkeypatch.delenv("ZENREI_AUDIT_LOG", raising=False)
    monkeypatch.chdir(tmp_path)
    record_search("山田太郎様の受給者証を誤送付", Filters(), hits)
    assert list(tmp_path.rglob("*")) == []


def test_each_search_appends_one_json_line_with_masked_question_filters_and_ids(tmp_path, monkeypatch, hits):
    log = tmp_path / "audit" / "searches.jsonl"
    monkeypatch.setenv("ZENREI_AUDIT_LOG", str(log))
    filters = Filters(year_from=2023, year_to=2024, categories=frozenset({"要配慮"}))
    record_search("山田太郎様の受給者証を誤送付 090-1234-5678", filters, hits)
    record_search("二件目", None, [])
    first, second = (json.loads(line) for line in log.read_text(encoding="utf-8").splitlines())
    assert first["question"] == "［氏名］様の受給者証を誤送付 ［電話番号］"
    assert first["filters"] == {"year_from": 2023, "year_to": 2024, "categories": ["要配慮"], "sources": []}
    assert first["top_ids"] == [hit.incident.id for hit in hits] and len(first["top_ids"]) == 3
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert second["question"] == "二件目" and second["top_ids"] == []
    assert "山田" not in log.read_text(encoding="utf-8")


def test_the_log_file_is_readable_by_its_owner_only(tmp_path, monkeypatch, hits):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("ZENREI_AUDIT_LOG", str(log))
    record_search("質問", Filters(), hits)
    assert log.stat().st_mode & 0o077 == 0


def test_a_very_long_question_is_logged_capped(hits):
    entry = audit_entry("あ" * 100_000, Filters(), hits)
    assert len(entry["question"]) == 2001 and entry["question"].endswith("…")


def test_the_time_is_the_moment_given(hits):
    now = datetime(2025, 4, 1, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    assert audit_entry("質問", None, hits, now=now)["time"] == "2025-04-01T09:30:00+09:00"


def test_concurrent_searches_write_whole_lines(tmp_path, monkeypatch, hits):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("ZENREI_AUDIT_LOG", str(log))

    def many(n):
        for i in range(50):
            record_search(f"スレッド{n}の質問{i}" + "長" * 500, Filters(), hits)

    threads = [threading.Thread(target=many, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 400
    assert all(json.loads(line)["top_ids"] for line in lines)


def test_an_unwritable_log_is_reported_without_the_question_and_the_search_goes_on(tmp_path, monkeypatch, caplog, hits):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("ZENREI_AUDIT_LOG", str(blocker / "audit.jsonl"))  # parent is a file
    record_search("山田太郎様の件", Filters(), hits)
    assert "監査ログに書き込めません" in caplog.text
    assert "山田" not in caplog.text


# ----------------------------------------------------------------------------- every search path

QUESTION = "田中一郎様の受給者証を誤送付した。連絡先は090-1234-5678"


@pytest.fixture
def audited_engine(zenrei_home, tmp_path, monkeypatch, fake_embedder):
    """The engine every page and command gets, with the audit log on (and the fake model)."""
    from assistant.engine import open_engine
    from assistant.settings import Settings

    log = tmp_path / "audit" / "searches.jsonl"
    monkeypatch.setenv("ZENREI_AUDIT_LOG", str(log))
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    return open_engine(Settings.from_env(), embedder=fake_embedder), log


def _logged(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_chat_searches_are_audited_masked(audited_engine):
    import datetime as dt

    from assistant.conversation import interpret, respond

    engine, log = audited_engine
    request = interpret(QUESTION + " 要配慮のみ", None, top_k=3, today=dt.date(2026, 11, 26))
    result = respond(request, Filters(year_from=2020), searcher=engine.searcher)
    (line,) = _logged(log)
    assert "受給者証" in line["question"] and "田中一郎" not in line["question"] and "090-1234" not in line["question"]
    assert line["filters"]["categories"] == ["要配慮"] and line["filters"]["year_from"] == 2020
    assert line["top_ids"] == [hit.incident.id for hit in result.hits]


def test_triage_searches_for_precedents_are_audited(audited_engine):
    from assistant.triage_hints import nearest_precedents

    engine, log = audited_engine
    found = nearest_precedents("予診票52人分を紛失した。担当は鈴木さん", engine.searcher)
    (line,) = _logged(log)
    assert line["question"] == "予診票52人分を紛失した。担当は［氏名］さん"
    assert line["top_ids"] == [incident.id for incident in found]


def test_drafting_searches_are_audited(audited_engine):
    from assistant.drafting import gather_measures

    engine, log = audited_engine
    gathered = gather_measures(QUESTION, engine.searcher, top_k=4)
    (line,) = _logged(log)
    assert "田中一郎" not in line["question"] and "受給者証" in line["question"]
    assert line["top_ids"] == [p.citation.incident_id for p in gathered.precedents]


def test_browse_and_training_similar_cases_are_audited(audited_engine):
    from assistant.browse import similar_to

    engine, log = audited_engine
    case = engine.corpus.incidents[0]
    similar = similar_to(case, engine.searcher, 3)  # the browse page and the training page both ask this
    (line,) = _logged(log)
    assert line["question"] == mask_personal_data(case.description)[: len(line["question"])]
    assert set(hit.incident.id for hit in similar) <= set(line["top_ids"])


def test_the_cli_search_is_audited(audited_engine, monkeypatch, capsys, fake_embedder):
    from assistant.cli import main

    _, log = audited_engine
    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: fake_embedder)
    assert main(["search", QUESTION, "--top", "2", "--json"]) == 0
    shown = [hit["id"] for hit in json.loads(capsys.readouterr().out)]
    (line,) = _logged(log)
    assert line["top_ids"] == shown and "田中一郎" not in line["question"]


def test_the_chat_page_audits_its_searches(audited_engine, fake_engine):
    from conftest import REPO
    from streamlit.testing.v1 import AppTest

    _, log = audited_engine
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    (line,) = _logged(log)
    assert "受給者証" in line["question"] and "田中一郎" not in line["question"]


def test_with_the_log_off_the_engine_searches_with_no_wrapper(zenrei_home, monkeypatch, fake_embedder):
    from assistant.audit import AuditedSearcher
    from assistant.engine import open_engine
    from assistant.settings import Settings

    monkeypatch.delenv("ZENREI_AUDIT_LOG", raising=False)
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    engine = open_engine(Settings.from_env(), embedder=fake_embedder)
    assert not isinstance(engine.searcher, AuditedSearcher)
    assert list(zenrei_home.rglob("*.jsonl")) == [zenrei_home / "index" / "default" / "incidents.jsonl"]


def test_the_audit_log_and_password_are_read_in_settings(tmp_path):
    from assistant.settings import Settings

    settings = Settings.from_env({"ZENREI_AUDIT_LOG": " ~/audit.jsonl ", "ZENREI_PASSWORD": "合言葉 "})
    assert settings.audit_log is not None and settings.audit_log.name == "audit.jsonl"
    assert not str(settings.audit_log).startswith("~")
    assert settings.password == "合言葉 "
    assert "合言葉" not in repr(settings)  # settings get printed in tracebacks and logs
    blank = Settings.from_env({"ZENREI_AUDIT_LOG": "  "})
    assert blank.audit_log is None and blank.password == ""
