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
    assert [text[a:b] for a, b in spans] == ["受給者"]  # 「別」 alone says nothing: two characters at least


def test_nothing_shared_gives_nothing():
    assert shared_words("ランサムウェア", "封筒を誤送付した") == ()
    assert highlight_spans("", "封筒を誤送付した") == []


def test_function_verbs_and_suffixes_are_not_shared_words():
    # The list 「おい、よる、分、おけ」: the verbs inside において・による・における and a suffix.
    question = "委託先において不正アクセスによる漏えいが発生し、職員における管理不足で3人分の情報が流出した"
    text = "庁舎内において職員によるメールの誤送信があり、2人分の情報が流出した。業務における注意不足。"
    words = shared_words(question, text)
    assert not {"おい", "よる", "分", "おけ", "おく"} & set(words)
    assert {"職員", "情報", "流出"} <= set(words)
    assert all(len(w) >= 2 for w in words)


def test_words_side_by_side_are_one_bold_run_without_stray_asterisks():
    from ui.cards import highlighted

    question = "メールを送信した後で不正アクセスを受けた"
    text = "メール送信の誤りで不正アクセスが発生した。"
    shown = highlighted(text, highlight_spans(question, text))
    assert "****" not in shown
    assert "**メール送信**" in shown and "**不正アクセス**" in shown
