"""Reporting triage: the rules and deadlines, the suggestions, and `python -m assistant triage`."""

import datetime as dt
import json
import os

import pytest
from conftest import REPO, SEED, FakeEmbedder

from assistant.cli import build_parser, main
from assistant.corpus import load_corpus
from assistant.engine import Engine
from assistant.triage import (
    BUSINESS,
    DISCLAIMER,
    PUBLIC_BODY,
    Checklist,
    assess,
    deadlines,
    over_threshold,
)
from assistant.triage_hints import (
    count_people,
    nearest_precedents,
    precedent_support,
    same_category_precedents,
    suggest,
)
from domain.categories import normalize_category
from index.storage import build_searcher

OTHER = REPO / "data" / "tables" / "other_bodies_published.jsonl"
MAY_1 = dt.date(2024, 5, 1)


def all_no(**changes) -> Checklist:
    answers = dict(sensitive="no", improper="no", financial="no", ordinance="no", people=10, discovered=MAY_1)
    return Checklist(**{**answers, **changes})


def status(result, number: int) -> str:
    return next(f.status for f in result.findings if f.situation.number == number)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus([SEED, OTHER])


@pytest.fixture(scope="module")
def by_id(corpus):
    return {inc.id: inc for inc in corpus.incidents}


# --- rules ---------------------------------------------------------------------------------


def test_nothing_applies_when_every_answer_is_no_and_few_people():
    result = assess(all_no())
    assert result.verdict == "not_required" and result.verdict_label == "報告は不要"
    assert result.deadlines == () and result.categories == ()


@pytest.mark.parametrize("field", ["sensitive", "improper", "financial", "ordinance"])
def test_one_yes_is_enough_to_require_a_report(field):
    result = assess(all_no(**{field: "yes"}))
    assert result.verdict == "required" and result.verdict_label == "報告が必要"
    assert len(result.applying) == 1


@pytest.mark.parametrize(("people", "applies"), [(99, False), (100, False), (101, True), (0, False)])
def test_more_than_100_people_means_101_or_more_for_a_local_government(people, applies):
    result = assess(all_no(people=people))
    assert (status(result, 4) == "applies") is applies
    assert result.verdict == ("required" if applies else "not_required")
    if people == 100:
        assert "ちょうど100人" in result.findings[3].reason


@pytest.mark.parametrize(("people", "applies"), [(101, False), (1_000, False), (1_001, True)])
def test_a_business_is_over_the_threshold_only_past_1000_people(people, applies):
    result = assess(all_no(people=people, entity=BUSINESS))
    assert (status(result, 4) == "applies") is applies
    assert result.findings[3].situation.name == "本人の数が1,000人を超える"


def test_thresholds_as_a_function_including_unknown_counts():
    assert over_threshold(100) is False and over_threshold(101) is True
    assert over_threshold(101, PUBLIC_BODY) is True and over_threshold(101, BUSINESS) is False
    assert over_threshold(None) is None and over_threshold(None, BUSINESS) is None


def test_an_unknown_count_holds_the_decision_when_nothing_else_applies():
    result = assess(all_no(people=None))
    assert status(result, 4) == "unknown"
    assert result.verdict == "pending" and result.verdict_label == "判断保留"
    assert result.deadlines, "deadlines are shown in case the report turns out to be needed"


def test_an_unknown_answer_holds_the_decision_but_a_yes_elsewhere_still_requires_it():
    assert assess(all_no(financial="unknown")).verdict == "pending"
    assert assess(all_no(financial="unknown", sensitive="yes")).verdict == "required"


def test_ordinance_sensitive_data_counts_for_public_bodies_only():
    assert assess(all_no(ordinance="yes")).verdict == "required"
    assert assess(all_no(ordinance="yes", entity=PUBLIC_BODY)).verdict == "required"
    business = assess(all_no(ordinance="yes", entity=BUSINESS))
    assert status(business, 5) == "not_applicable" and business.verdict == "not_required"


def test_applying_situations_are_named_with_the_tables_categories():
    result = assess(all_no(sensitive="yes", improper="yes", financial="yes", people=150))
    assert result.categories == ("要配慮", "財産的被害", "不正目的", "100人以上")
    assert normalize_category("100人超") == "100人以上"


def test_the_preliminary_report_is_due_promptly_with_day_five_as_the_mark():
    quick = assess(all_no(sensitive="yes")).deadlines[0]
    assert quick.kind == "速報" and quick.due == dt.date(2024, 5, 6)
    assert quick.label == "速やかに（目安：発覚から3〜5日以内、2024-05-06まで）"


@pytest.mark.parametrize(
    ("discovered", "due"),
    [
        (dt.date(2024, 5, 1), dt.date(2024, 5, 31)),
        (dt.date(2024, 1, 31), dt.date(2024, 3, 1)),  # through a leap February (29 days)
        (dt.date(2023, 1, 31), dt.date(2023, 3, 2)),  # through a common February (28 days)
        (dt.date(2024, 12, 15), dt.date(2025, 1, 14)),  # across the year end
        (dt.date(2024, 1, 30), dt.date(2024, 2, 29)),  # landing on the leap day
    ],
)
def test_the_final_report_is_due_30_days_after_discovery(discovered, due):
    final = assess(all_no(sensitive="yes", discovered=discovered)).deadlines[1]
    assert final.kind == "確報" and final.due == due and final.days == 30
    assert final.label == f"{due.isoformat()}まで（発覚から30日以内）"
    assert "30日" in final.rule and "土日・祝日" in final.rule


def test_improper_purpose_gives_60_days_even_with_other_situations():
    alone = assess(all_no(improper="yes")).deadlines[1]
    together = assess(all_no(improper="yes", sensitive="yes", people=5_000)).deadlines[1]
    assert alone.due == together.due == dt.date(2024, 6, 30) and alone.days == 60
    assert "60日" in alone.rule
    assert deadlines(dt.date(2023, 12, 31), True)[1].due == dt.date(2024, 2, 29)


def test_an_unconfirmed_improper_purpose_is_computed_at_30_days_and_says_so():
    result = assess(all_no(sensitive="yes", improper="unknown"))
    assert result.deadlines[1].days == 30
    assert any("60日" in note for note in result.notes)


def test_the_result_names_its_legal_basis_and_carries_the_disclaimer():
    assert "第68条" in assess(all_no()).legal_basis and "第26条" in assess(all_no(entity=BUSINESS)).legal_basis
    assert assess(all_no()).disclaimer == DISCLAIMER
    assert DISCLAIMER == "この判定は支援であり、法的判断ではありません。最終判断は個人情報保護担当で行ってください。"


@pytest.mark.parametrize(
    "bad",
    [dict(sensitive="maybe"), dict(people=-1), dict(people=True), dict(entity="会社"), dict(discovered="2024-05-01")],
)
def test_a_checklist_refuses_answers_it_cannot_judge(bad):
    with pytest.raises(ValueError):
        all_no(**bad)


# --- counting people -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "approximate"),
    [
        ("病院において52人分の予診票の原本が行方不明となった", 52, False),
        ("不正に約5万人の個人情報を持ち出していた", 50_000, True),
        ("過去6年間の1,514件の問い合わせのうち1,426件の個人情報が閲覧可能", 1_426, False),
        ("５２人分の予診票", 52, False),  # full-width digits
        ("発送した４万４９３９通", 44_939, False),
        ("約8万5000人の患者情報", 85_000, True),
        ("約１，４００件の申請書を誤廃棄", 1_400, True),
        ("文書73件(うち個人情報41件・187人分の氏名)", 187, False),  # people outrank records
        ("約350世帯分の氏名", 350, True),
        ("対象者115人中53人が開封していた", 53, False),
    ],
)
def test_counts_are_read_from_japanese_numbers(text, value, approximate):
    count = count_people(text)
    assert count is not None and count.value == value and count.approximate is approximate


@pytest.mark.parametrize("text", ["市民Aあての封筒に市民Bの証明書も同封した", "令和6年4月9日から公開", "公金1万2000円"])
def test_no_count_is_invented_where_none_is_written(text):
    assert count_people(text) is None


def test_a_vague_count_is_left_open_with_a_prompt():
    people = suggest("児童数十人分の氏名が書かれた名簿を送信した").people
    assert people.value is None and "数十人" in people.describe()


# --- suggestions from the text ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("別の市民Bの障害児通所受給者証を誤って郵送した", "障害児"),
        ("52人分の予診票の原本が行方不明となった", "予診票"),
        ("身体障害者手帳を別の市民に送付した", "身体障害"),
        ("生活保護受給者の名簿を紛失した", "生活保護"),
        ("保護者の病歴を電話で伝えてしまった", "病歴"),
    ],
)
def test_health_and_disability_words_suggest_sensitive_data_and_say_which_word(text, word):
    sensitive = suggest(text).sensitive
    assert sensitive.value == "yes" and sensitive.source == "text"
    assert f"「{word}" in sensitive.describe()


def test_a_grade_book_is_not_a_disability_notebook():
    assert suggest("生徒の成績を記載した教務手帳を校内で紛失した").sensitive.value == "unknown"


@pytest.mark.parametrize(
    "text",
    [
        "委託事業者のサーバーが不正アクセスを受け、ランサムウェアに感染した",
        "車上荒らしに遭い、滞納整理票が盗まれた",
        "他自治体の職員を名乗る者によるなりすましだった",
        "元派遣社員が不正に約5万人の個人情報を持ち出していた",
    ],
)
def test_attacks_theft_and_insider_misuse_suggest_an_improper_purpose(text):
    assert suggest(text).improper.value == "yes"


def test_a_covid_infection_is_not_a_computer_virus(by_id):
    assert "ウイルス" in by_id["1"].description
    assert suggest(by_id["1"].description).improper.value == "unknown"


def test_taking_data_home_is_a_prompt_to_check_not_a_clue():
    improper = suggest("自宅で仕事をするため学校から持ち出したUSBメモリを紛失した").improper
    assert improper.value == "unknown" and "持ち出" in improper.describe()


def test_card_numbers_suggest_financial_damage_but_accounts_and_passwords_only_prompt():
    assert suggest("クレジットカード番号を含む申込書を紛失").financial.value == "yes"
    account = suggest("児童手当受給世帯の口座情報を格納したUSBメモリ").financial
    assert account.value == "unknown" and "口座" in account.describe()
    assert suggest("パスワードは未設定で、持ち出し禁止だった").financial.value == "unknown"


def test_suggestions_are_yes_or_unknown_never_no(corpus):
    for incident in corpus.incidents:
        made = suggest(incident.description)
        assert {made.sensitive.value, made.improper.value, made.financial.value, made.ordinance.value} <= {
            "yes",
            "unknown",
        }


def test_text_rules_find_every_categorized_sensitive_and_improper_incident(corpus):
    # The tables' own labels as the check: a clue missed here would leave an officer unprompted.
    for incident in corpus.incidents:
        made = suggest(incident.description)
        if "要配慮" in incident.categories:
            assert made.sensitive.value == "yes", incident.id
        if "不正目的" in incident.categories:
            assert made.improper.value == "yes", incident.id


# --- suggestions from precedents ----------------------------------------------------------


def test_a_majority_of_sensitive_precedents_suggests_yes_and_names_them(by_id):
    precedents = [by_id[i] for i in ("12", "14", "19", "5", "11")]  # three 要配慮, two not
    sensitive = suggest("封筒に別の人の書類を入れて送ってしまった", precedents).sensitive
    assert sensitive.value == "yes" and sensitive.source == "precedents"
    assert sensitive.evidence[0].ids == ("12", "14", "19")
    assert "5件中3件" in sensitive.describe()


def test_a_minority_of_precedents_is_shown_but_does_not_suggest_yes(by_id):
    precedents = [by_id[i] for i in ("11", "12", "14", "19", "5")]  # one 不正目的
    improper = suggest("封筒に別の人の書類を入れて送ってしまった", precedents).improper
    assert improper.value == "unknown" and improper.evidence[0].ids == ("11",)


def test_precedent_support_counts_what_the_nearest_hits_carry(corpus):
    searcher = build_searcher(corpus.incidents, FakeEmbedder())
    text = "委託先がランサムウェアに感染し、約13万人分の情報が漏えいした"
    nearest = nearest_precedents(text, searcher)
    assert [h.incident.id for h in searcher.search(text, top_k=5)] == [i.id for i in nearest]
    support = precedent_support(nearest)
    for category, ids in support.items():
        assert list(ids) == [i.id for i in nearest if category in map(normalize_category, i.categories)]
    assert nearest_precedents("   ", searcher) == []


def test_confirmed_answers_win_over_suggestions():
    made = suggest("52人分の予診票を紛失した")
    assert made.sensitive.value == "yes"
    checklist = made.checklist(MAY_1, sensitive="no", people=None)
    assert checklist.sensitive == "no" and checklist.people == 52  # None means "not given"
    assert made.checklist(MAY_1).sensitive == "yes"


def test_same_category_precedents_match_the_set_exactly_newest_first(corpus):
    sensitive = same_category_precedents(corpus.incidents, ["要配慮"])
    assert len(sensitive) == 24 and all(i.categories == ("要配慮",) for i in sensitive)
    years = [i.fiscal_year for i in sensitive]
    known = [y for y in years if y is not None]
    assert known == sorted(known, reverse=True) and years[-1] is None
    both = same_category_precedents(corpus.incidents, ["不正目的", "100人超"])
    assert {i.id for i in both} >= {"9", "HO-024"} and len(both) == 5
    assert same_category_precedents(corpus.incidents, []) == []


def test_same_category_precedents_put_the_nearest_first(corpus):
    listed = same_category_precedents(corpus.incidents, ["要配慮"], nearest_ids=("19", "5", "12"))
    assert [i.id for i in listed[:2]] == ["19", "12"]  # 5 is not 要配慮 alone: skipped
    assert len(listed) == 24


# --- the command --------------------------------------------------------------------------


@pytest.fixture
def env(zenrei_home, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", os.pathsep.join([str(SEED), str(OTHER)]))
    return zenrei_home


def run_json(capsys, *args) -> dict:
    assert main(["triage", *args, "--no-search", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_command_is_registered_with_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert "triage" in sub.choices and "法的判断ではありません" in sub.choices["triage"].description


def test_json_gives_verdict_deadlines_suggestions_and_same_category_precedents(env, capsys):
    report = run_json(capsys, "52人分の予診票を紛失した", "--discovered", "2024-01-31", "--sensitive", "yes")
    assert report["verdict"] == "required" and report["disclaimer"] == DISCLAIMER
    assert [d["due"] for d in report["deadlines"]] == ["2024-02-05", "2024-03-01"]
    assert report["categories"] == ["要配慮"]
    assert len(report["same_category_precedents"]) == 24 and report["same_category_precedents"][0]["year_label"]
    assert report["suggestions"]["people"]["value"] == 52
    assert report["suggestions"]["sensitive"]["evidence"][0]["source"] == "text"


def test_unanswered_items_stay_unknown_unless_suggestions_are_accepted(env, capsys):
    text = "52人分の予診票を紛失した"
    assert run_json(capsys, text, "--discovered", "2024-05-01")["verdict"] == "pending"
    accepted = run_json(capsys, text, "--discovered", "2024-05-01", "--accept-suggestions")
    assert accepted["verdict"] == "required" and accepted["checklist"]["people"] == 52
    overridden = run_json(capsys, text, "--discovered", "2024-05-01", "--accept-suggestions", "--sensitive", "no")
    assert overridden["checklist"]["sensitive"] == "no"


def test_a_business_with_1000_people_and_nothing_else_need_not_report(env, capsys):
    args = ["--discovered", "2024-05-01", "--entity", "事業者", "--people", "1,000"]
    answers = [x for f in ("sensitive", "improper", "financial") for x in (f"--{f}", "no")]
    assert run_json(capsys, "顧客名簿を誤送信", *args, *answers)["verdict"] == "not_required"
    args[-1] = "1001"
    assert run_json(capsys, "顧客名簿を誤送信", *args, *answers)["verdict"] == "required"


def test_text_output_says_it_is_support_and_shows_the_60_day_rule(env, capsys):
    code = main(["triage", "不正アクセスを受けた", "--discovered", "2024-05-01", "--improper", "yes", "--no-search"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith(f"※ {DISCLAIMER}") and out.rstrip().endswith(DISCLAIMER)
    assert "判定: 報告が必要" in out and "2024-06-30まで（発覚から60日以内）" in out
    assert "同じ類型（不正目的）の前例" in out


def test_a_missing_or_unreadable_date_is_a_japanese_error(env, capsys):
    assert main(["triage", "予診票を紛失", "--no-search"]) == 2
    assert capsys.readouterr().err.startswith("エラー: 発覚日")
    with pytest.raises(SystemExit) as stop:
        main(["triage", "予診票を紛失", "--discovered", "2024-02-30"])
    assert stop.value.code == 2 and "発覚日「2024-02-30」" in capsys.readouterr().err
    assert main(["triage", "x", "--discovered", "２０２４/５/１", "--no-search"]) == 0  # full-width, slashes


def test_with_search_the_nearest_precedents_back_the_suggestions(env, capsys, monkeypatch, corpus):
    import assistant.cli.triage as cli_triage

    engine = Engine(searcher=build_searcher(corpus.incidents, FakeEmbedder()), corpus=corpus, rebuilt_because=None)
    monkeypatch.setattr(cli_triage, "_engine", lambda: engine)
    assert main(["triage", "受給者証を別の市民に郵送した", "--discovered", "2024-05-01", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["nearest_precedents"]) == 5
    evidence = report["suggestions"]["sensitive"]["evidence"]
    assert any(e["source"] == "precedents" and set(e["ids"]) <= set(report["nearest_precedents"]) for e in evidence)
