"""The field's knowledge has one home (domain/): one name per category, kinds and triage cues
that agree, a variant dictionary that is a data file."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from conftest import REPO

from assistant.corpus import load_corpus
from assistant.question import read_filters
from assistant.triage_hints import suggest
from domain.categories import CATEGORIES, normalize_categories, normalize_category
from domain.kind_rules import classify_text
from domain.kinds import IMPERSONATION, IMPROPER_KINDS, KIND_VOCABULARY
from domain.variants import VOCAB_FILE, VocabularyError, load_groups
from index.filters import Filters
from index.storage import build_searcher


@pytest.mark.parametrize(
    ("written", "name"),
    [("100人超", "100人以上"), ("100人超え", "100人以上"), ("１００人超", "100人以上"), ("100名以上", "100人以上"),
     ("不正の目的", "不正目的"), ("要配慮個人情報", "要配慮"), (" 財産的被害のおそれ ", "財産的被害"),
     ("条例要配慮個人情報", "条例要配慮"), ("独自の類型", "独自の類型")],
)  # fmt: skip
def test_every_way_a_table_writes_a_category_comes_to_one_name(written, name):
    assert normalize_category(written) == name


def test_a_category_written_twice_two_ways_is_kept_once():
    assert normalize_categories(["100人超", "要配慮", "100人以上", ""]) == ("100人以上", "要配慮")


def test_each_category_is_a_situation_of_the_rules_once():
    assert sorted(c.situation for c in CATEGORIES) == [1, 2, 3, 4, 5]
    assert len({c.field for c in CATEGORIES}) == len(CATEGORIES)


def test_a_table_that_writes_100人超_is_found_by_the_100人以上_chip_and_filter(tmp_path, fake_embedder):
    table = tmp_path / "本市.csv"
    table.write_text(
        "年度,事案の内容,類型,再発防止策\n"
        "R5,委託先が住民120人分の名簿をメールで誤送信した。,100人超,送信前の宛先確認を徹底する。\n"
        "R5,窓口で証明書を別の人に交付した。,,本人確認を徹底する。\n",
        encoding="utf-8",
    )
    corpus = load_corpus([table])
    assert [i.categories for i in corpus.incidents] == [("100人以上",), ()]
    assert {c for i in corpus.incidents for c in i.categories} == {"100人以上"}  # what the sidebar offers

    stated = read_filters("100人以上の事案で誤送信", today=dt.date(2026, 12, 1))
    assert [c.label for c in stated.chips] == ["100人以上"]
    searcher = build_searcher(corpus.incidents, fake_embedder)
    hits = searcher.search(stated.remainder or "誤送信", top_k=5, filters=stated.filters)
    assert [h.incident.id for h in hits] == ["1"]
    sidebar = Filters(categories=frozenset({"100人以上"}))
    assert [h.incident.id for h in searcher.search("名簿", top_k=5, filters=sidebar)] == ["1"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("第三者が本人になり済まして窓口で住民票の写しを取得した。", IMPERSONATION),
        ("職員を詐称する者からの電話に、住所を伝えてしまった。", IMPERSONATION),
        ("職員が業務で得た個人情報を私的に流用していた。", "内部不正"),
        ("職員が名簿を業者に横流ししていた。", "内部不正"),
        ("委託先のサーバーがランサムウェアに感染した。", "不正アクセス"),
        ("車上荒らしで書類の入ったかばんが盗まれた。", "盗難"),
    ],
)
def test_triage_sees_an_improper_purpose_wherever_the_kinds_see_an_improper_kind(text, kind):
    assert kind in classify_text(text).kinds
    improper = suggest(text).improper
    assert improper.value == "yes"
    assert improper.source == "text"


def test_innocent_wordings_are_no_improper_clue():
    for text in ("封筒に別の人の通知書を入れて送ってしまった。", "メールの履歴を流用してしまい、別の宛先に送った。"):
        assert not set(classify_text(text).kinds) & set(IMPROPER_KINDS)
        assert suggest(text).improper.value == "unknown"


def test_improper_kinds_are_kinds():
    assert set(IMPROPER_KINDS) <= set(KIND_VOCABULARY)


def test_the_variant_dictionary_is_a_data_file_with_a_loader(tmp_path):
    groups = load_groups(VOCAB_FILE)
    assert groups[0].concept == "誤封入" and "封入誤り" in groups[0].variants
    custom = tmp_path / "variants.toml"
    custom.write_text('[[group]]\nconcept = "誤交付"\nvariants = ["渡し間違い"]\n', encoding="utf-8")
    assert [g.variants for g in load_groups(custom)] == [("誤交付", "渡し間違い")]


@pytest.mark.parametrize(
    "content",
    ['[[group]]\nconcept = "x"\nvariants = "not a list"\n', "[[group]\n", 'title = "no groups"\n'],
)
def test_a_broken_variant_dictionary_names_its_file(tmp_path, content):
    broken = tmp_path / "variants.toml"
    broken.write_text(content, encoding="utf-8")
    with pytest.raises(VocabularyError, match="variants.toml"):
        load_groups(broken)


def test_domain_imports_nothing_above_it():
    for path in sorted((REPO / "domain").rglob("*.py")):
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert node.module.split(".")[0] not in {"index", "assistant", "ui", "app"}, (path, node.module)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in {"index", "assistant", "ui", "app"}, (path, alias.name)
