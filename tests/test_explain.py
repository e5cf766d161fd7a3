"""The words a case shares with the question: real words, for people to read."""

from assistant.explain import highlight_spans, shared_words

QUESTION = "封筒に別の人の受給者証を入れて送ってしまった"


def test_shared_words_are_whole_words_not_character_ngrams():
    text = "市民A及びBあてに障害児通所給付費支給の受給者証を送付する際、互いに逆の受給者証を誤って送付した。"
    assert shared_words(QUESTION, text) == ("受給者",)


def test_inflected_verbs_match_by_their_dictionary_form():
    assert shared_words(QUESTION, "書類を送る前に確認する") == ("送る",)
    assert shared_words("書類を送った", "書類を送る前に確認する") == ("書類", "送る")


def test_particles_and_auxiliaries_are_never_shared_words():
    words = shared_words("封筒に入れてしまった", "封筒に入れてしまったのである")
    assert set(words) <= {"封筒", "入れ"}


def test_full_width_and_half_width_forms_match():
    assert shared_words("ＵＳＢメモリを紛失", "USBメモリを紛失した") == ("USBメモリ", "紛失")


def test_highlight_spans_point_at_the_shared_words_in_the_text():
    text = "市民Aに対し、別の市民Bの障害児通所受給者証を誤って郵送した。"
    spans = highlight_spans(QUESTION, text)
    assert [text[a:b] for a, b in spans] == ["別", "受給者"]


def test_nothing_shared_gives_nothing():
    assert shared_words("ランサムウェア", "封筒を誤送付した") == ()
    assert highlight_spans("", "封筒を誤送付した") == []
