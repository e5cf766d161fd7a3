"""Themes of prevention measures (確認体制・ダブルチェック, 封入・発送手順 …), for grouping drafts."""

from __future__ import annotations

import re
import unicodedata

# Keyword rules: regular expressions on NFKC, case-folded text, checked in order, first match
# wins. Who or what a measure is about (a contractor, mail) decides before the kind of act (a
# two-person check of an email is a mail rule); training before checks; words that appear in
# almost every measure (周知 "make known", 確認 "check") count only when nothing else matched.
THEME_RULES: tuple[tuple[str, str], ...] = (
    ("委託先管理", r"委託|受託|業者|協力医療機関|医師会"),
    ("メール・FAX送信ルール", r"メール|fax|ファクス|ファックス|bcc|一斉送信|誤送信|添付"),
    ("研修・周知", r"研修|講習|教育|ハンドブック"),
    (
        "確認体制・ダブルチェック",
        r"ダブルチェック|二重チェック|複数の?(職員|者|名|人|担当)|二人|2人|他の職員|別の者|再度.{0,30}確認|再確認"
        r"|一次チェック|二次チェック|チェック(シート|リスト|体制)|決裁者",
    ),
    (
        "システム・技術的対策",
        r"システム|アクセス|パスワード|ログ|サーバ|ストレージ|暗号|権限|セキュリティ|ファイル|データ|エクセル|excel",
    ),
    ("保管・持ち出し管理", r"保管|持ち出|持出|持ち帰|紛失|運搬|移送|預か|受取ら|廃棄|施錠|保存|usb"),
    ("封入・発送手順", r"封入|封筒|封緘|封印|同封|発送|郵送|送付|宛名|あて先|宛先"),
    ("研修・周知", r"周知|注意喚起|マニュアル|意識"),
    ("確認体制・ダブルチェック", r"チェック|確認|照合|点検"),
)
OTHER_THEME = "その他"
THEMES: tuple[str, ...] = (
    "確認体制・ダブルチェック",
    "封入・発送手順",
    "メール・FAX送信ルール",
    "委託先管理",
    "研修・周知",
    "システム・技術的対策",
    "保管・持ち出し管理",
    OTHER_THEME,
)

_THEME_PATTERNS = tuple((theme, re.compile(pattern)) for theme, pattern in THEME_RULES)


def theme_of(text: str) -> str:
    """The theme a measure belongs to, by the first keyword rule its text matches."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    for theme, pattern in _THEME_PATTERNS:
        if pattern.search(folded):
            return theme
    return OTHER_THEME
