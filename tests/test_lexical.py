import json
import math

import bm25s
import pytest

from index.lexical import (
    VERSION_FILE,
    LexicalDocument,
    LexicalIndex,
    char_ngrams,
    expansion_ngrams,
    lexical_configuration,
)


def test_japanese_is_split_into_character_unigrams_and_bigrams():
    assert char_ngrams("誤送付") == ["誤", "送", "付", "誤送", "送付"]


def test_ngrams_are_nfkc_normalized_and_never_span_punctuation():
    assert char_ngrams("ＦＡＸ、送信") == ["f", "a", "x", "fa", "ax", "送", "信", "送信"]


def test_an_unrelated_document_scores_zero_and_a_matching_one_scores_higher():
    index = LexicalIndex.build(["封筒に別の受給者証を誤って封入した", "サーバーがランサムウェアに感染した"])
    scores = index.scores("受給者証の誤封入")
    assert scores[0] > 0
    assert scores[1] == 0


def test_query_with_no_known_tokens_scores_everything_zero_instead_of_failing():
    index = LexicalIndex.build(["封筒", "メール"])
    assert list(index.scores("")) == [0, 0]
    assert list(index.scores("！？")) == [0, 0]
    assert list(index.scores("zzz")) == [0, 0]


def test_bm25_score_matches_a_hand_computed_value():
    # Two documents, one query token "a": Lucene BM25 with k1=1.5, b=0.75.
    docs = ["ab", "cd"]  # tokens: [a, b, ab] and [c, d, cd]; avgdl = 3
    index = LexicalIndex.build(docs)
    n, df = 2, 1
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    tf, dl, avgdl, k1, b = 1, 3, 3, 1.5, 0.75
    expected = idf * tf / (tf + k1 * (1 - b + b * dl / avgdl))
    assert index.scores("a")[0] == pytest.approx(expected, rel=1e-5)


def test_scores_equal_bm25s_own_scoring_on_the_seed_table():
    # Our one-pass scoring reads bm25s's score columns itself: it must add up as get_scores does.
    import numpy as np
    from conftest import SEED

    from data import read_table
    from index.lexical import CONCEPT_WEIGHT, EXPANSION_WEIGHT, MAX_DF_SHARE, concept_tokens
    from index.synonyms import expansion_terms

    docs = [LexicalDocument("\n".join([i.description, *i.measures]), i.description) for i in read_table(SEED).incidents]
    index = LexicalIndex.build(docs)

    def reference(model, tokens):
        # Tokens in more than half of the documents do not count (MAX_DF_SHARE).
        df = np.diff(model.scores["indptr"])
        known = [t for t in tokens if t in model.vocab_dict and df[model.vocab_dict[t]] <= MAX_DF_SHARE * len(docs)]
        return np.asarray(model.get_scores(known), dtype=np.float64) if known else np.zeros(len(docs))

    for question in (
        "封筒に別の人の受給者証を入れてしまった",
        "ＦＡＸの誤送信",
        "委任状を偽造された",
        "生活保護 生活保護",
    ):
        expansions = expansion_terms(question)
        expected = reference(index._text, char_ngrams(question))
        expected = expected + EXPANSION_WEIGHT * reference(index._text, expansion_ngrams(expansions))
        expected = expected + CONCEPT_WEIGHT * reference(index._concepts, concept_tokens(question))
        assert index.scores(question, expansions) == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_a_token_found_in_more_than_half_of_the_documents_does_not_count():
    index = LexicalIndex.build(["封筒の誤封入", "封筒の紛失", "封筒の盗難", "名簿の紛失"])
    assert list(index.scores("紛失の")) == list(index.scores("紛失"))  # 「の」 is in all four
    assert list(index.scores("の")) == [0, 0, 0, 0]
    assert index.scores("紛失")[1] > 0  # in two of four: counts


def test_saved_lexical_index_scores_the_same(tmp_path):
    index = LexicalIndex.build(["個人情報を含むファイル", "予診票の紛失"])
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25", 2)
    assert list(loaded.scores("予診票")) == list(index.scores("予診票"))


def test_expansion_terms_lift_a_report_worded_another_way():
    index = LexicalIndex.build(["封筒に別人の通知書が混入していた", "サーバーがランサムウェアに感染した"])
    plain = index.scores("誤封入", concept_weight=0)
    expanded = index.scores("誤封入", ["混入"], concept_weight=0)
    assert expanded[0] > plain[0]
    assert expanded[1] == plain[1] == 0


def test_an_expansion_term_weighs_less_than_the_same_word_written_by_the_person():
    index = LexicalIndex.build(["通知書が混入していた", "通知書を誤封入した"])
    # Asked for 誤封入 (written) with 混入 (added): the report that says 誤封入 ranks first.
    scores = index.scores("誤封入", ["混入"], concept_weight=0)
    assert scores[1] > scores[0] > 0


def test_expansion_weight_zero_and_concept_weight_zero_is_plain_bm25():
    docs = ["封筒に別の受給者証を誤って封入した", "予診票の紛失"]
    index = LexicalIndex.build(docs)
    reference = LexicalIndex.build(docs)
    assert list(index.scores("紛失", ["所在不明"], expansion_weight=0, concept_weight=0)) == list(
        reference.scores("紛失", concept_weight=0)
    )


def test_expansions_add_no_single_hiragana():
    grams = expansion_ngrams(["一緒に入"])
    assert "に" not in grams
    assert {"一", "緒", "入", "一緒", "緒に", "に入"} <= set(grams)


def test_concepts_match_wordings_that_share_no_characters():
    index = LexicalIndex.build(["市民Aあての封筒に市民Bの通知書が同封されていた", "USBメモリを紛失した"])
    scores = index.scores("誤封入", expansion_weight=0, concept_weight=1)
    text_only = index.scores("誤封入", expansion_weight=0, concept_weight=0)
    assert scores[0] > text_only[0]
    assert scores[1] == 0


def test_concepts_are_read_from_the_concept_source_only():
    # The measures mention FAX in passing; the incident itself is a lost USB stick.
    doc = LexicalDocument(
        text="USBメモリを紛失した FAXを使う場合は番号を確認する", concept_source="USBメモリを紛失した"
    )
    index = LexicalIndex.build([doc, "FAXを誤送信した"])
    concept_only = index.scores("ファックス", expansion_weight=0, concept_weight=1) - index.scores(
        "ファックス", expansion_weight=0, concept_weight=0
    )
    assert concept_only[0] == 0
    assert concept_only[1] > 0


def test_saved_index_keeps_expansions_and_concepts(tmp_path):
    index = LexicalIndex.build(["通知書が混入していた", "予診票の紛失"])
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25", 2)
    assert list(loaded.scores("誤封入", ["混入"])) == list(index.scores("誤封入", ["混入"]))


def test_an_index_saved_another_way_is_refused_so_it_is_rebuilt(tmp_path):
    index = LexicalIndex.build(["予診票の紛失"])
    index.save(tmp_path / "bm25")
    (tmp_path / "bm25" / VERSION_FILE).write_text(json.dumps({**lexical_configuration(), "dictionary": "old"}))
    with pytest.raises(ValueError, match="lexical configuration"):
        LexicalIndex.load(tmp_path / "bm25", 1)


def test_an_index_saved_before_versioning_is_refused(tmp_path):
    # The layout before the concept field: bm25s files directly in the folder, no version.
    old = bm25s.BM25()
    old.index([char_ngrams("予診票の紛失")], show_progress=False)
    old.save(str(tmp_path / "bm25"), show_progress=False)
    with pytest.raises(ValueError, match="no lexical configuration"):
        LexicalIndex.load(tmp_path / "bm25", 1)
