"""Cleaned text and measures split into actions."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from data.text import clean_text, split_categories, split_measures

TAG_OPENER = re.compile(r"<\s*/?\s*[A-Za-z!?]")

# --- clean_text -------------------------------------------------------------------------


def test_clean_text_strips_tags_and_folds_list_items_into_spaces() -> None:
    raw = '<ul style="list-style-type: none"> <li>報告する。</li> <li>研修を行う。</li> </ul>'
    assert clean_text(raw) == "報告する。 研修を行う。"


def test_clean_text_treats_br_and_p_as_breaks() -> None:
    assert clean_text("一行目<br>二行目<p>三行目</p>") == "一行目 二行目 三行目"


def test_clean_text_unescapes_entities() -> None:
    assert clean_text("A&amp;B &lt;注意&gt; &#x5e02;") == "A&B <注意> 市"


def test_clean_text_applies_nfkc() -> None:
    assert clean_text("Ｒ５　（ＦＡＸ）ｶﾀｶﾅ") == "R5 (FAX)カタカナ"


def test_clean_text_folds_whitespace_and_trims() -> None:
    assert clean_text("  a \n\t b\u3000\u3000c  ") == "a b c"


def test_clean_text_of_empty_is_empty() -> None:
    assert clean_text("") == ""


def test_clean_text_drops_script_contents_entirely() -> None:
    assert clean_text("前<script>alert(1)</script>後") == "前後"
    assert clean_text("前<style>body{}</style>後") == "前後"


def test_clean_text_drops_event_handler_tags() -> None:
    assert clean_text("写真<img src=x onerror=alert(1)>あり") == "写真あり"


def test_clean_text_drops_everything_after_an_unclosed_script() -> None:
    # Fail closed: an unterminated script swallows the rest rather than leaking it as text.
    assert clean_text("前<script>alert(1)") == "前"


def test_clean_text_removes_tags_revealed_by_unescaping() -> None:
    cleaned = clean_text("&lt;script&gt;alert(1)&lt;/script&gt;と&amp;lt;b&amp;gt;")
    assert not TAG_OPENER.search(cleaned)
    assert "alert" not in cleaned


def test_clean_text_removes_tags_revealed_by_nfkc() -> None:
    cleaned = clean_text("＜ｓｃｒｉｐｔ＞alert(1)＜／ｓｃｒｉｐｔ＞本文")
    assert not TAG_OPENER.search(cleaned)
    assert cleaned.endswith("本文")


def test_clean_text_keeps_angle_brackets_that_are_not_tags() -> None:
    assert clean_text("＜参考＞ 1 < 2") == "<参考> 1 < 2"


def test_clean_text_removes_control_and_invisible_characters() -> None:
    assert clean_text("a\x00b\u200bc\u202ed") == "abcd"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/&;#!-?=\"' scriptimgonerorlbp&ltgamp①・。 亜\n")), max_size=80))
def test_clean_text_never_leaves_anything_tag_shaped(text: str) -> None:
    cleaned = clean_text(text)
    assert not TAG_OPENER.search(cleaned)
    assert cleaned == cleaned.strip()


# --- split_measures ------------------------------------------------------------------------


def test_split_measures_splits_html_list_items() -> None:
    raw = '<ul style="list-style-type: none"> <li>上司に報告する。</li> <li>研修を実施する。</li> </ul>'
    assert split_measures(raw) == ("上司に報告する。", "研修を実施する。")


def test_split_measures_splits_paragraphs_and_strips_circled_numbers() -> None:
    raw = "<p>以下の取扱いについて周知を行った。</p> <p>①担当者が確認する。</p> <p>②他の職員が確認する。</p>"
    assert split_measures(raw) == ("以下の取扱いについて周知を行った。", "担当者が確認する。", "他の職員が確認する。")


def test_split_measures_keeps_the_lead_in_line_before_bullets() -> None:
    raw = "以下について、委託業者が実施。 ・アクセスキー管理強化 ・バケット管理の厳格化"
    assert split_measures(raw) == ("以下について、委託業者が実施。", "アクセスキー管理強化", "バケット管理の厳格化")


def test_split_measures_splits_bullets_after_a_colon() -> None:
    assert split_measures("次の対策を実施：・二重確認・研修") == ("次の対策を実施:", "二重確認・研修")


def test_split_measures_keeps_a_middle_dot_inside_a_phrase() -> None:
    assert split_measures("作業配置・保管方法を検証する") == ("作業配置・保管方法を検証する",)


def test_split_measures_splits_sentences_followed_by_whitespace() -> None:
    raw = "手順書を作成した。 一通ずつ封入する。\u3000発送前に件数を確認する。"
    assert split_measures(raw) == ("手順書を作成した。", "一通ずつ封入する。", "発送前に件数を確認する。")


def test_split_measures_splits_sentences_that_follow_directly() -> None:
    assert split_measures("再確認を徹底。チェックシートを策定した。") == (
        "再確認を徹底。",
        "チェックシートを策定した。",
    )


def test_split_measures_splits_actions_separated_only_by_a_space() -> None:
    raw = "保管方法を検証する 移送直後に枚数確認を行う"
    assert split_measures(raw) == ("保管方法を検証する", "移送直後に枚数確認を行う")


def test_split_measures_does_not_split_spaces_next_to_latin_words() -> None:
    assert split_measures("医師会より FAX にて送付した") == ("医師会より FAX にて送付した",)


def test_split_measures_keeps_a_parenthetical_note_with_its_sentence() -> None:
    assert split_measures("対応はしない。（委員会にも報告済み）") == ("対応はしない。(委員会にも報告済み)",)


def test_split_measures_splits_before_a_bracketed_enumerator() -> None:
    assert split_measures("確認する。（２）研修する。") == ("確認する。", "研修する。")


def test_split_measures_does_not_split_inside_quotes() -> None:
    raw = "「確認した。 送付した。」と周知した。"
    assert split_measures(raw) == ("「確認した。 送付した。」と周知した。",)


def test_split_measures_survives_an_unclosed_bracket_from_pdf_extraction() -> None:
    raw = "資料（療養費の通知を確認する。 発送前に再確認する。"
    assert split_measures(raw) == ("資料(療養費の通知を確認する。", "発送前に再確認する。")


def test_split_measures_keeps_pdf_fragments_as_they_are() -> None:
    raw = "は、接続できないよう是正措置を講じた。 ②ログを常時確認する。"
    assert split_measures(raw) == ("は、接続できないよう是正措置を講じた。", "ログを常時確認する。")


def test_split_measures_strips_leading_numbers_and_bullets() -> None:
    raw = "１．封入を確認する。\n(2) 発送を確認する。\n● 研修する\n- 周知する"
    assert split_measures(raw) == ("封入を確認する。", "発送を確認する。", "研修する", "周知する")


def test_split_measures_keeps_numbers_that_start_the_action() -> None:
    assert split_measures("1時間ごとに確認する") == ("1時間ごとに確認する",)


def test_split_measures_drops_empty_pieces() -> None:
    assert split_measures("<ul><li></li><li> ・ </li><li>確認する。</li></ul>。") == ("確認する。",)
    assert split_measures("") == ()


def test_split_measures_removes_hostile_html() -> None:
    items = split_measures("<li>確認する<script>alert(1)</script></li><li><img src=x onerror=alert(1)>研修する</li>")
    assert items == ("確認する", "研修する")


# --- split_categories ----------------------------------------------------------------------


def test_split_categories_splits_on_japanese_and_latin_separators() -> None:
    assert split_categories("要配慮、100人以上，不正目的/財産的被害 条例要配慮") == (
        "要配慮",
        "100人以上",
        "不正目的",
        "財産的被害",
        "条例要配慮",
    )


def test_split_categories_normalises_and_removes_duplicates_keeping_order() -> None:
    assert split_categories("１００人以上", "要配慮、100人以上") == ("100人以上", "要配慮")


def test_split_categories_of_empty_cells_is_empty() -> None:
    assert split_categories("", " 、 ") == ()
