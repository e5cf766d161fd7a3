"""Variant wordings of this domain, for expanding a question in the lexical leg.

Reports of the same kind of incident use different words: one body writes 誤封入, another
封入誤り, a third 「別の人の書類が同封されていた」; a person asking may write ファックス where the
report says FAX, or ask in English. Character n-grams only match what is written, so a
question phrased one way misses reports phrased another. Each group below lists wordings of
one notion; a question that contains any of them also searches for the others, each added
word weighing less than a word the person wrote (EXPANSION_WEIGHT).

The groups come from the domain's working taxonomy (see the project's domain notes) and from
the wordings of published reports: they are general vocabulary of 個人情報の漏えい等事案, not
the wording of any one evaluation question. English entries are the everyday words for the
same notions, so a question in English reaches Japanese reports through the lexical leg too.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class VariantGroup:
    """Wordings of one notion. Any of them in a question brings in the others."""

    concept: str
    variants: tuple[str, ...]


def _group(concept: str, *variants: str) -> VariantGroup:
    return VariantGroup(concept, (concept, *variants))


GROUPS: tuple[VariantGroup, ...] = (
    # --- kinds of incident -------------------------------------------------------------
    _group(
        "誤封入",
        "封入誤り",
        "封入ミス",
        "混入",
        "入れ違い",
        "入れ違え",
        "同封",
        "封入",
        "同じ封筒",
        "封筒に入れ",
        "一緒に入",
        "入っていた",
        "wrong envelope",
        "enclosed",
    ),
    _group(
        "誤送付",
        "誤って送付",
        "誤って郵送",
        "誤発送",
        "送付誤り",
        "送り間違",
        "別人に送付",
        "宛先誤り",
        "mailed to the wrong",
        "sent to the wrong",
        "wrong address",
        "wrong person",
    ),
    _group("誤送信", "送信誤り", "誤って送信", "送り間違え", "sent by mistake", "wrong recipient"),
    _group("BCC", "CC", "宛先", "To欄", "一斉送信", "同報", "bcc", "to field", "cc field", "mailing list"),
    _group("添付", "添付ファイル", "attachment", "attached"),
    _group("メール", "電子メール", "mail", "e-mail", "email"),
    _group("メールアドレス", "アドレス", "email address", "email addresses", "e-mail address"),
    _group("FAX", "ファクス", "ファックス", "ファクシミリ", "fax"),
    _group(
        "紛失",
        "所在不明",
        "置き忘れ",
        "置き忘",
        "見当たらない",
        "見当たらず",
        "見当たらなかった",
        "分からなくなった",
        "見つからない",
        "行方不明",
        "なくした",
        "無くした",
        "失くした",
        "見つかっていない",
        "発見に至って",
        "滅失",
        "亡失",
        "lost",
        "missing",
        "misplaced",
    ),
    _group("盗難", "盗まれ", "持ち去", "持っていかれ", "車上荒らし", "窃盗", "stolen", "theft"),
    _group(
        "誤掲載",
        "誤公開",
        "掲載",
        # Not a bare 公開: 情報公開請求 (a disclosure request) is another notion.
        "公開され",
        "誤って公開",
        "ホームページ",
        "ウェブサイト",
        "サイト",
        "閲覧可能",
        "閲覧できる",
        "閲覧できた",
        "website",
        "web page",
        "homepage",
        "published",
        "posted online",
    ),
    _group("黒塗り", "マスキング", "墨塗り", "不開示", "非開示", "redaction", "redacted", "masking"),
    _group("設定ミス", "設定誤り", "設定を誤", "アクセス制限", "共有設定", "公開範囲", "misconfigured", "settings"),
    _group(
        "不正アクセス",
        "サイバー攻撃",
        "ランサムウェア",
        "ハッキング",
        "ウイルス感染",
        "感染",
        "ransomware",
        "cyberattack",
        "cyber attack",
        "hacking",
        "hacked",
        "unauthorized access",
        "attack",
    ),
    _group(
        "委託先",
        "委託業者",
        "委託事業者",
        "受託者",
        "受託事業者",
        "業務委託",
        "再委託",
        "委託",
        "contractor",
        "outsourcing",
        "outsourced",
        "vendor",
        "subcontractor",
    ),
    _group("漏えい", "漏洩", "流出", "漏れ", "leak", "leaked", "leakage", "data breach", "breach", "exposed"),
    _group(
        "誤廃棄",
        "廃棄",
        "シュレッダー",
        "保存期間",
        "保存年限",
        "discarded",
        "disposed",
        "shredded",
        "thrown away",
    ),
    _group("誤交付", "交付誤り", "誤って交付", "別人に交付", "handed to the wrong", "issued to the wrong"),
    # Not a bare 電話: reports list 電話番号 among leaked items, and 「電話があった」 is how most
    # incidents come to light; only telling something by phone is this notion.
    _group(
        "口頭",
        "電話で伝え",
        "電話にて伝達",
        "電話で回答",
        "電話照会",
        "話してしま",
        "伝えてしま",
        "答えてしま",
        "漏らし",
        "漏らす",
        "伝えた",
        "over the phone",
        "told",
        "verbally",
    ),
    _group("なりすまし", "成りすまし", "名乗る", "名乗っ", "偽って", "詐称", "impersonat", "pretending"),
    _group("委任状", "偽造", "偽装", "無断", "power of attorney", "forged"),
    _group(
        "目的外",
        "業務外",
        "業務目的外",
        "のぞき見",
        "覗き見",
        "不正閲覧",
        "私的",
        "内部不正",
        "snooping",
        "snooped",
        "insider",
        "misuse",
    ),
    _group("持ち出し", "持ち帰", "持ち出", "自宅", "taken home", "took home"),
    _group("取り違え", "同姓同名", "同じ名前", "別人", "人違い", "same name", "mixed up"),
    _group("ずれ", "並べ替え", "差し込み印刷", "印字", "誤記載", "誤印刷", "mail merge", "misprint"),
    # --- things that go wrong -----------------------------------------------------------
    _group("USBメモリ", "USBメモリー", "USB", "記録媒体", "外部記憶媒体", "memory stick", "flash drive", "thumb drive"),
    _group("名簿", "一覧", "リスト", "list", "roster"),
    _group("エクセル", "Excel", "表計算", "スプレッドシート", "シート", "タブ", "spreadsheet", "excel"),
    _group("督促状", "催告書", "督促", "催告", "reminder", "demand letter"),
    _group("証明書", "受給者証", "手帳", "certificate"),
    _group("通知", "通知書", "お知らせ", "案内", "notice", "letter", "newsletter"),
    _group("郵送", "送付", "発送", "郵便", "mailed", "posted", "by post"),
    _group("宛名", "あて名", "宛先", "あて先", "宛て先", "addressee"),
    _group("個人情報", "住民情報", "個人データ", "personal information", "personal data", "resident data"),
    _group("住民", "市民", "町民", "県民", "区民", "resident", "residents", "citizen", "citizens"),
    _group("DV", "支援措置", "配偶者からの暴力", "ドメスティック・バイオレンス", "ストーカー", "domestic violence"),
    _group("病歴", "既往歴", "病名", "病気", "疾患", "medical history", "illness"),
    # Only the screening itself: 予診票 and 問診票 are other forms, and a question naming one
    # must find that form first, not every screening.
    _group("検診", "健診", "検診票", "health check"),
    _group("訪問", "家庭訪問", "戸別訪問", "visit", "visiting"),
    _group("職員", "担当者", "担当職員", "staff", "employee", "official"),
)

# Weight of each expansion term relative to the question's own terms (1.0): lower, so words
# the person wrote count for more than words we guessed. Chosen on the decide half of the dev
# sets among 0.3 / 0.5 / 0.7 (see bench/quality.py).
EXPANSION_WEIGHT = 0.7

# Marks a concept token so it can never collide with a character n-gram of the text.
CONCEPT_MARK = "\u00a7"


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _is_ascii(term: str) -> bool:
    return all(ord(ch) < 128 for ch in term)


@cache
def _pattern(term: str) -> re.Pattern[str]:
    # English words match as whole words ("told" must not fire inside "toldo");
    # Japanese has no word boundaries, so Japanese variants match as substrings.
    escaped = re.escape(_normalize(term))
    if _is_ascii(term):
        return re.compile(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
    return re.compile(escaped)


def dictionary_fingerprint(groups: Iterable[VariantGroup] = GROUPS) -> str:
    """A short hash of the dictionary: saved with a lexical index, so editing it rebuilds."""
    data = json.dumps([[g.concept, *g.variants] for g in groups], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def matched_groups(text: str, groups: Iterable[VariantGroup] = GROUPS) -> list[VariantGroup]:
    """The groups one of whose wordings occurs in the text, in dictionary order."""
    normalized = _normalize(text)
    return [g for g in groups if any(_pattern(v).search(normalized) for v in g.variants)]


def concept_tokens(text: str, groups: Iterable[VariantGroup] = GROUPS) -> list[str]:
    """One token per notion the text mentions ("§誤封入", ...), however it words it.

    Indexed for every incident and looked up for every question, these let a report that
    says 封入誤り meet a question that says 「一緒に入っていた」 as one shared term.
    """
    return [CONCEPT_MARK + g.concept for g in matched_groups(text, groups)]


def expansion_terms(query: str, groups: Iterable[VariantGroup] = GROUPS) -> list[str]:
    """Wordings to add to the query: the variants of every matched group that the query does
    not already contain, each once, in dictionary order.

    Lower-case English variants only trigger: the reports are in Japanese, so adding English
    words to a query would match nothing but stray ASCII. Variants with a capital (BCC, FAX,
    USB, Excel, DV) are kept: that is how Japanese reports write them.
    """
    text = _normalize(query)
    out: dict[str, None] = {}
    for group in matched_groups(query, groups):
        for variant in group.variants:
            if _is_ascii(variant) and variant == variant.lower():
                continue
            if _normalize(variant) in text:
                continue
            out.setdefault(variant, None)
    return list(out)


def group_text(group: VariantGroup) -> str:
    """The group's wordings as one text, for the dense leg to embed once per group. Lower-case
    English is left out, as in expansion_terms."""
    return " ".join(v for v in group.variants if not (_is_ascii(v) and v == v.lower()))
