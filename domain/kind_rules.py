"""The rules that recognise kinds of incident in text, the medium and contractor involvement.

Deterministic rules over the cleaned description: each kind has cues (regular expressions of
the wordings public bodies use for it), and the main kind is the first matching kind in
PRIORITY. The order puts the cause before the channel: an attack or insider act explains the
leak better than the fact that it left by mail, and 封入誤り explains a 誤送付. Measures are read
only when the description names no kind (they say 「誤送付防止」 and the like) and for contractor
involvement (「委託先に指導した」); their mention of a medium (「FAXで注意喚起」) is not the incident's.

The main kind the rules give is then weighed by a classifier learned from published labels
(`kind_model`, when its trained file is shipped); `learned=False` gives the rules alone.

Telling something (口頭漏えい) ranks above なりすまし and 不適切な提供: when a caller posing as an
official is answered by phone, the answer is the leak; the pretence is how it came about.

The cues were written from the domain's vocabulary and checked against the published labels
(`incident_type`) of the other-bodies table; `kind_agreement` measures that (bench/kinds_accuracy.py
says how far those figures are from a blind test).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from data.records import Incident
from data.text import clean_text

from .kind_model import KindModel, shipped_model
from .kinds import IMPERSONATION, OTHER, Kinds


@dataclass(frozen=True)
class _Cue:
    pattern: re.Pattern[str]
    needs: re.Pattern[str] | None = None  # must also occur somewhere in the text
    unless: re.Pattern[str] | None = None  # must not occur anywhere in the text
    reject: re.Pattern[str] | None = None  # a match with this in it or just before it is not the kind

    def search(self, text: str) -> re.Match[str] | None:
        if self.needs is not None and not self.needs.search(text):
            return None
        if self.unless is not None and self.unless.search(text):
            return None
        for match in self.pattern.finditer(text):
            if self.reject is None or not self.reject.search(
                text[max(0, match.start() - _REJECT_LOOKBACK) : match.end()]
            ):
                return match
        return None


def _cue(pattern: str, needs: str | None = None, unless: str | None = None, reject: str | None = None) -> _Cue:
    compiled = (re.compile(p) if p else None for p in (needs, unless, reject))
    return _Cue(re.compile(pattern), *compiled)


_S = "[^。]"  # within one sentence
_REJECT_LOOKBACK = 12  # 「回収する旨を伝えた」: the match may start at を, the reason sits before it
_MAIL_WORD = r"メール(?!アドレス)|ショートメール|SMS|e-?mail|(?<![A-Za-z])(?:Bcc|BCC|bcc|Cc|CC)(?![A-Za-z])"
_FAX_WORD = "FAX|Fax|fax|ファクス|ファックス|ファクシミリ"
_POSTAL = "送付|郵送|発送|郵便|封筒|封入|送っ|返送"
_EXPOSED = "閲覧(可能|でき)|アクセス(可能|でき)|誰でも|公開(状態|され)|外部から"
_TOLD_RESPONSE = "謝罪|お詫び|おわび|旨|回収|経緯|事情|削除|破棄|返送|対応|説明|連絡|依頼|注意|誤り"
_OTHER_PERSON = "別人|別の|他の|他人|他者|異な|違う|関係のない|誤った|知らない(人|方)"


def _any(*alternatives: str) -> str:
    """One regular expression matching any of the alternatives (each may itself hold |)."""
    return "|".join(f"(?:{a})" for a in alternatives)


def _near(first: str, second: str, gap: int) -> str:
    """`first`, then `second` within `gap` characters of the same sentence."""
    return f"(?:{first}){_S}{{0,{gap}}}(?:{second})"


# Kinds in priority order: the first one that matches is the main kind.
RULES: tuple[tuple[str, tuple[_Cue, ...]], ...] = (
    ("不正アクセス", (
        _cue(_any(
            "不正アクセス|ランサムウェア|サイバー攻撃|マルウェア|Emotet|エモテット|不正ログイン|乗っ取|踏み台",
            "ハッキング|不正侵入|標的型|改ざん(され|を受け)|[Rr]ansomware|[Cc]yber.?attack|[Hh]ack(ed|ing)|[Mm]alware",
            "[Uu]nauthori[sz]ed access",
            "(?<!コロナ)ウイルス(に|へ|が)感染",  # not 新型コロナウイルス感染症
            _near("迷惑メール", "送信", 10),
        )),
    )),
    ("内部不正", (
        _cue(_any(
            "業務目的外|目的外(の|に|で)?(閲覧|利用|使用|照会|アクセス|検索)|私的(に|な)?(利用|使用|流用)",
            "業務外|のぞき見|覗き見|盗み見|不正閲覧|内部不正|[Ss]nooping|[Ii]nsider",
            _near("副業|探偵|私的", "流用|利用|使用", 10),
            "守秘義務違反|地方公務員法違反|不正持ち?出|名簿業者|横流し|(無断|許可なく)で?(閲覧|照会|検索)",
            _near("無断で", "持ち?出", 20),
            _near("職員|従業員|従事者|社員", "逮捕", 100),  # not a thief arrested after a 盗難
            _near("不正(に|な)?", "持ち出|取得|入手|閲覧|照会", 20),
            _near("名簿|個人情報", "売却|販売|売り渡", 10),
        )),
    )),
    ("盗難", (
        _cue(_any(
            "盗まれ|盗難(?!の?被害届)|窃盗|車上(荒|狙)|ひったくり|空き巣|置き引き|持ち去|盗み出|窃取|持ち逃げ",
            "持っていかれ|[Ss]tolen|[Tt]heft",
        )),
    )),
    # What was told must be about someone: 「事情を伝えた」「回収する旨を伝えた」 are the response.
    ("口頭漏えい", (
        _cue(_near("(電話|口頭|窓口|その場)(で|にて|により)?", "(伝え|伝達し|回答し|教え|話し|答え)(て|た)", 40),
             reject=_TOLD_RESPONSE),
        _cue(_near("を|について|誤って|同意なく|無断で", "(伝え|伝達し|教え|話し|漏らし|口外し|答え)(てしま|た)", 30),
             reject=_TOLD_RESPONSE),
    )),
    (IMPERSONATION, (
        _cue(_any(
            "なりすまし|成りすまし|なり済まし|偽造|偽の(委任状|身分証)|本人(に|を)装|(本人|代理人)と偽|他人名義",
            "詐称|偽って|を装っ",
            _near("委任状", "偽|無断|承諾を得ず|勝手に", 30),
            _near("(承諾|同意|許可)を得ず(に)?", "委任状", 10),
        )),
    )),
    ("不適切な提供", (
        _cue(_any(
            "提供すべきでない|第三者(意見)?照会|目的外(の)?提供|不適切(に|な)(提供|開示)",
            _near("本来", "(提供|伝達|送付)すべきでない", 20),
            _near("(同意|許可|承諾)(を得ず|なく|のないまま)", "提供|送付|開示", 20),
            _near("マスキングせず(に)?", "送付|提供|渡", 40),
        )),
    )),
    ("マスキング漏れ", (
        _cue(_any(
            "マスキング漏れ",
            _near("黒塗り|マスキング|墨塗り|墨消し|塗りつぶし", "漏れ|透|判別|読み取|不十分|不完全|忘れ|残って", 30),
            _near("透かす|透けて", "判別|読め|見え", 20),
            _near("(非公開|不開示)とすべき", "含まれ|記載され|残って", 40),
        )),
    )),
    ("設定ミス", (
        _cue(_any(
            _near("設定|権限", "誤|ミス|不備|不完全|不十分|漏れ", 6),
            "アクセス制限|閲覧権限|共有設定|公開設定|公開範囲",
        ), needs=_EXPOSED),
    )),
    ("誤掲載", (
        _cue(_any(
            "誤掲載|誤って(公開|掲載)|(掲載|公開)(誤り|ミス)|閲覧に供|削除(しない|せず)(まま|に)掲載",
            _near("ホームページ|HP|ウェブ|Web|サイト|ページ|ポータル|SNS|ブログ|掲示板|広報(誌|紙)",
                  "掲載|公開|閲覧(可能|でき)", 60),
        )),
    )),
    ("誤交付", (
        _cue(_any(
            "誤交付|誤って(交付|手渡|渡)|交付(誤り|ミス)|誤配(付|布)|渡してしま|交付すべきところ",
            _near(_near("別人|他人|(別|他)の(人|者|方|申請者|児童|生徒|保護者)", "に|へ", 20),
                  "交付|手渡|渡し|渡っ|配付|配布", 10),
            _near("支援措置|加害者", "交付(?!申請|を求|の申)", 80),  # DV support: the address reached the abuser
        )),
    )),
    ("FAX誤送信", (_cue("誤|別|違|番号", needs=_FAX_WORD),)),
    ("メール誤送信", (
        _cue(_any(
            "誤送信|Bcc|BCC|bcc|一斉送信|宛先(欄)?(に|を|へ)|別(の)?(シート|タブ)|履歴を流用",
            "(CC|Cc|To|TO)[」』\"]?(欄|で|に)",
            _near("誤って", "送信|添付", 30),
            _near("添付", "別|他|含ま|誤", 40),
            _near("間違え|間違っ|誤っ|別の|他の", "添付", 30),
            _near(_OTHER_PERSON, "送信", 40),
            _near("送信", "誤|ミス", 20),
        ), needs=_MAIL_WORD),
    )),
    ("誤封入", (
        _cue(_any(
            "誤封入|封入(誤り|ミス|間違|を誤)|誤って封入|同封して(しま|い)|も同封|重なったまま|入れ違|入れ替わ",
            "[Ww]rong envelope",
            "互いに逆|混入(?!防止)|乱丁|落丁",
            _near("別|他|異な|違う|誤っ", "同封", 40),
            _near("別|他|異な|誤っ", "封入(し|さ)", 30),
            _near("封筒の宛名と", "違|異な|一致しな", 30),
            _near("人分の", "入った封筒", 40),
            _near(_near("別|他|異な|[2-9二三]人分|複数|誤っ", "封筒に", 40), "入れ", 40),
            _near(_near("封筒に", "別|他|誤って", 60), "入れ", 30),
        ), needs=_POSTAL),
    )),
    ("誤送付", (
        _cue(_any(
            "誤送付|誤発送|誤郵送",
            _near("誤って", "送付|郵送|発送|送っ", 30),
            _near("(送付|郵送|発送)(先|誤り|ミス)", "誤|間違", 10),
            _near("宛先を|宛名", "誤", 10),
            _near(_OTHER_PERSON, "送付|郵送|発送", 60),
            "[Mm]ailed" + _S + "{0,40}wrong",
        )),
        # A merge or sort error prints one person's data on another's letter.
        _cue(_any(
            "差し込み印刷|誤印字|誤印刷|誤記載|(データ|欄|列|行)が?ずれ",
            _near("他人|別人|知らない(人|方)", "印字|記載", 20),
        ), needs=_POSTAL),
        _cue("誤送信", unless=f"{_MAIL_WORD}|{_FAX_WORD}"),  # e.g. eLTAX: a system sending, not mail
    )),
    ("誤廃棄", (
        _cue(_any(
            "誤廃棄|(廃棄|処分|破棄)(誤り|ミス)|資源(ゴミ|ごみ)|シュレッダー(処理)?(せず|しない|にかけず)|(ゴミ|ごみ)として(出|廃棄|処分|捨て)",
            _near("誤って", "廃棄|処分|破棄|溶解", 20),
        )),
    )),
    ("紛失", (
        _cue(_any(
            "紛失|所在不明|所在が(分から|わから|不明)|置き忘|置き去り|見当たらな|行方(不明|が分から)|滅失|亡失|遺失",
            "見つか(ら|って)(ない|いない|なかった)|発見に至(ら|って)|発見されず|飛散|飛ばされ|(無|失)くし",
            "見当たらず|出てこな|が(一部|すべて|全部)?なくなっ|[Ll]ost|[Mm]issing|[Mm]isplaced",
            "(?<!見)落とし",  # not 見落とし (an oversight)
        )),
    )),
)  # fmt: skip
PRIORITY: tuple[str, ...] = (*(kind for kind, _ in RULES), OTHER)

_MEDIUM_WORDS: dict[str, re.Pattern[str]] = {
    "メール": re.compile(_MAIL_WORD),
    "FAX": re.compile(_FAX_WORD),
    "電話": re.compile(r"電話(?!番号|帳)"),
    "郵送": re.compile(r"郵送|郵便|書留|配達|宅配|封筒|封入|同封|発送"),
    "窓口": re.compile(r"窓口|来庁|来所|カウンター|(区役所|市役所|町役場|村役場|支所)において"),
    "Web": re.compile(r"ホームページ|HP|ウェブ|Web|WEB|サイト|ページ(?!順)|URL|インターネット|オンライン|フォーム|SNS"),
    "システム": re.compile(r"システム|サーバ|端末|eLTAX|パソコン|PC|クラウド|電子カルテ|データベース|ネットワーク"),
}
# Losses and thefts happen "in transit" only when the text says the post carried it.
_IN_THE_POST = re.compile(r"郵送|郵便|書留|配達|宅配")
# Per main kind: the media worth looking for in its text (first mentioned wins), then a default.
_MEDIUM_BY_KIND: dict[str, tuple[tuple[str, ...], str | None]] = {
    "不正アクセス": ((), "システム"),
    "内部不正": (("システム",), None),
    "盗難": (("郵送",), None),
    "口頭漏えい": (("電話", "窓口"), None),
    IMPERSONATION: (("電話", "窓口", "郵送", "Web"), None),
    "不適切な提供": (("メール", "FAX", "電話", "郵送", "窓口"), None),
    "マスキング漏れ": (("Web", "メール", "郵送", "窓口"), None),
    "設定ミス": (("Web", "システム"), "Web"),
    "誤掲載": (("Web", "窓口"), "Web"),
    "誤交付": (("メール", "窓口"), "窓口"),  # 窓口 here means handed over in person
    "FAX誤送信": ((), "FAX"),
    "メール誤送信": ((), "メール"),
    "誤封入": ((), "郵送"),
    "誤送付": (("メール", "FAX", "郵送", "システム"), "郵送"),
    "誤廃棄": (("郵送",), None),
    "紛失": (("郵送",), None),
    OTHER: (("メール", "FAX", "電話", "郵送", "Web", "窓口", "システム"), None),
}

_CONTRACTOR = re.compile(
    r"委託|受託|請負|外注|指定管理|協力医療機関|派遣(社員|職員|労働者|元)|契約(業者|事業者|会社)|(印刷|運送|配送)(業者|会社)"
)
# 「委託業者を募るページ」「業務委託の一般競争入札」 name a contract, not a contractor who took part.
_NOT_INVOLVED = re.compile(r"^" + _S + r"{0,12}(募|入札|公募|選定|プロポーザル|仕様書)")


def kind_evidence(text: str) -> dict[str, str]:
    """Each matching kind, in PRIORITY order, with the phrase that matched it."""
    found: dict[str, str] = {}
    for kind, cues in RULES:
        for cue in cues:
            match = cue.search(text)
            if match:
                found[kind] = match.group(0)
                break
    return found


def _medium(text: str, main: str) -> str | None:
    wanted, default = _MEDIUM_BY_KIND[main]
    positions = {}
    for medium in wanted:
        pattern = _IN_THE_POST if medium == "郵送" and main in ("紛失", "盗難", "誤廃棄") else _MEDIUM_WORDS[medium]
        match = pattern.search(text)
        if match:
            positions[medium] = match.start()
    return min(positions, key=positions.__getitem__) if positions else default


def _contractor(text: str) -> bool:
    return any(not _NOT_INVOLVED.search(text[m.end() :]) for m in _CONTRACTOR.finditer(text))


def _classify(
    description: str, measures: str, learned: bool, free_text: bool = False, model: KindModel | None = None
) -> Kinds:
    kinds = tuple(kind_evidence(description)) or tuple(kind_evidence(measures)) or (OTHER,)
    contractor = _contractor(f"{description}。{measures}")
    if model is None and learned:
        model = shipped_model()
    if model is not None:
        kinds = model.combine(description, Kinds(kinds, None, contractor), free_text).kinds
    return Kinds(kinds=kinds, medium=_medium(description, kinds[0]), contractor=contractor)


def classify_text(text: str, learned: bool = True) -> Kinds:
    """Kinds of an incident described in free text (a question, a draft, a report).
    `learned=False`: the rules alone (what the learned model is trained on)."""
    return _classify(clean_text(text), "", learned, free_text=True)


def classify(incident: Incident, learned: bool = True, model: KindModel | None = None) -> Kinds:
    """Kinds of a stored incident, from its cleaned description (measures as a fallback).
    `model`: another trained classifier instead of the shipped one (cross-validation trains
    one per fold, so no test incident's kind comes from a model that saw its label)."""
    description = incident.description or clean_text(incident.description_raw)
    return _classify(description, "。".join(incident.measures), learned, model=model)
