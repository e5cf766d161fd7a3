import math

import pytest

from index.lexical import LexicalIndex, char_ngrams


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


def test_saved_lexical_index_scores_the_same(tmp_path):
    index = LexicalIndex.build(["個人情報を含むファイル", "予診票の紛失"])
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25", 2)
    assert list(loaded.scores("予診票")) == list(index.scores("予診票"))
