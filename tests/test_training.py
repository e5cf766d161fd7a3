"""Training cards and answer coverage: the logic on FakeEmbedder, one check with the real model."""

from __future__ import annotations

import pytest
from conftest import REPO, SEED, FakeEmbedder

from assistant import training as t
from assistant.corpus import load_corpus
from index.embedder import SentenceTransformerEmbedder
from index.filters import Filters

OTHERS = REPO / "data" / "tables" / "other_bodies_published.jsonl"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus([SEED, OTHERS])


def test_cards_are_only_incidents_with_measures(corpus):
    cards = t.pick_cards(corpus.incidents, Filters(), seed=0)
    with_measures = [i for i in corpus.incidents if i.measures]
    assert len(cards) == len(with_measures) == 77
    assert all(card.measures for card in cards)


def test_the_topic_filter_keeps_only_that_kind(corpus):
    cards = t.pick_cards(corpus.incidents, Filters(kinds={"誤封入"}), seed=3)
    assert cards and all("誤封入" in card.kinds and card.measures for card in cards)
    assert {"1", "2", "14"} <= {card.id for card in cards}


def test_the_order_depends_on_the_seed_not_on_the_input_order(corpus):
    first = [c.id for c in t.pick_cards(corpus.incidents, seed=7)]
    assert first == [c.id for c in t.pick_cards(reversed(corpus.incidents), seed=7)]
    assert first != [c.id for c in t.pick_cards(corpus.incidents, seed=8)]


def test_an_answer_splits_into_sentences_lines_and_bullets():
    text = "封入前に宛名を確認する。\n・研修を行う\n①チェックリストを作る②委託先を指導する！"
    assert t.sentences(text) == ["封入前に宛名を確認する", "研修を行う", "チェックリストを作る", "委託先を指導する"]
    assert t.sentences(" \n。") == []


def test_a_measure_copied_into_the_answer_is_covered_and_others_are_not():
    measures = [
        "全職員を対象に個人情報保護に関する研修を実施した。",
        "書類の保管場所を施錠できるキャビネットに変更した。",
    ]
    assert t.covered("個人情報保護に関する研修を実施する。", measures, FakeEmbedder()) == [True, False]


def test_an_empty_or_vague_answer_covers_nothing():
    measures = ["全職員を対象に個人情報保護に関する研修を実施した。", "封入時に複数の職員で確認する。"]
    assert t.covered("", measures, FakeEmbedder()) == [False, False]
    assert t.covered("確認", measures, FakeEmbedder()) == [False, False]  # too short to count literally
    assert t.covered("何か", [], FakeEmbedder()) == []


def test_the_threshold_decides_semantic_coverage():
    measures = ["封入時に複数の職員で宛名を確認する。"]
    answer = "宛名を二人で見る"  # shares few bigrams: only the embedding can match it
    assert t.lexical_containment(answer, measures[0]) < t.LEXICAL_THRESHOLD
    score = t.coverage_scores(answer, measures, FakeEmbedder())[0]
    assert t.covered(answer, measures, FakeEmbedder(), threshold=score) == [True]
    assert t.covered(answer, measures, FakeEmbedder(), threshold=score + 0.01) == [False]


def test_a_measure_of_several_acts_is_compared_part_by_part():
    measure = "発送者リストの確認作業を強化し、文書の作成、封入時の二重チェックを徹底する。"
    parts = t.measure_parts(measure)
    assert parts[0] == measure
    assert "封入時の二重チェックを徹底する" in parts and "文書の作成、封入時の二重チェックを徹底する" in parts
    assert "文書の作成" not in parts  # too short to say an act of its own


def test_the_same_act_on_another_channel_is_another_measure():
    assert t.channels("封入前に別の職員が宛名を確認する") == {"郵送"}
    assert not t.same_channel("封入前に別の職員が宛名を確認する", "メール送信時には、送信前に宛先を複数人で確認する。")
    assert t.same_channel("作業中は電話に出ない", "窓口や電話対応で作業が中断されないようにする。")
    assert t.same_channel("ダブルチェックをする", "メール送信時には宛先を複数人で確認する。")  # no channel named
    # Copied words do not cover a measure on another channel either.
    assert t.covered(
        "窓口で本人確認を行った上で回答する", ["電話での問い合わせには、本人確認を行った上で回答する。"], FakeEmbedder()
    ) == [False]


def test_the_labelled_pairs_hold_paraphrases_and_non_matches():
    rows = [line.split("\t") for line in (REPO / "tests" / "data" / "coverage_pairs.tsv").read_text().splitlines()]
    labels = [row[2] for row in rows if not row[0].startswith("#")][1:]
    assert len(labels) >= 40 and labels.count("1") >= 20 and labels.count("0") >= 20


def test_the_tally_sums_cards_and_measures():
    assert t.tally({}) == (0, 0, 0)
    assert t.tally({"a#1": (1, 3), "b#2": (2, 2)}) == (2, 3, 5)


@pytest.mark.real_model
def test_a_second_staff_check_answer_covers_incident_19s_check_and_not_unrelated_measures(real_model_dir, corpus):
    embedder = SentenceTransformerEmbedder(real_model_dir)
    nineteen = corpus.by_id("19")
    second_staff = next(m for m in nineteen.measures if "他の職員" in m)
    notice = next(m for m in nineteen.measures if m.startswith("以下の取扱い"))
    ransomware = corpus.by_id("11").measures[0]
    flags = t.covered("封入前に別の職員が宛名を確認する", [second_staff, notice, ransomware], embedder)
    assert flags == [True, False, False]


@pytest.mark.real_model
def test_a_paraphrase_of_one_act_in_a_compound_measure_is_covered(real_model_dir, corpus):
    # Issue 13: 「封入する前に別の職員が宛名と中身を1件ずつ確認する」 scored 0/1 against HO-149.
    embedder = SentenceTransformerEmbedder(real_model_dir)
    measure = next(m for m in corpus.by_id("HO-149").measures if "二重チェック" in m)
    other_channel = "メール送信時には、送信前に宛先を複数人で確認する。"
    flags = t.covered("封入する前に別の職員が宛名と中身を1件ずつ確認する", [measure, other_channel], embedder)
    assert flags == [True, False]
