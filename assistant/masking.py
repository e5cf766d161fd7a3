"""Finding personal data in a question, so that the audit log and feedback keep only a masked copy.

Two kinds of evidence, one list of spans:
- regular expressions for what has a shape: e-mail addresses, 12-digit individual numbers
  (マイナンバー, also written in kanji digits), phone numbers (separated by -, space, dot or
  brackets), postal codes, dates of birth, street addresses with a block number (also in kanji
  numerals: 一丁目一番一号), names next to 氏名/様/さん/氏/殿, and any run of 7 or more digits;
- SudachiPy's dictionary (already used for the cards' shared words) for what has no shape:
  tokens tagged 名詞,固有名詞,人名 (family and given names, in kanji, kana or romaji) and
  固有名詞,地名 followed by a block number. GiNZA's NER was the other candidate, but ja-ginza
  5.3.0 requires SudachiPy<0.7.0 and the project pins 0.7.0.

Measured on tests/data/masking_cases.jsonl by bench/masking.py (figures in the README). What
neither sees stays: names the dictionary does not know written without a title, place names
without a block number (「千葉市の職員」 is the office, not an address), ages, birth dates
written without a year, and descriptions that identify someone without naming them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# What each kind of personal data is replaced with: the log still says what kind was there.
NAME, ADDRESS, PHONE = "［氏名］", "［住所］", "［電話番号］"
EMAIL, MY_NUMBER, NUMBER = "［メール］", "［個人番号］", "［番号］"
POSTAL_CODE, BIRTH_DATE = "［郵便番号］", "［生年月日］"


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of the NFKC-normalized text hold personal data of this kind."""

    start: int
    end: int
    kind: str  # one of the markers above


# After NFKC, full-width digits, ＠, － and spaces are ASCII; these dash-likes are not folded.
_DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"
_SEP = f"[ {_DASH}]"
_PHONE_SEP = f"[ .{_DASH}]"  # 090.1234.5678 too

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")

# Digits written in kanji one by one (一二三四…, 〇九〇…): read as ASCII digits when seven or
# more come together, so the number rules below see them. Shorter runs are words (一二件).
_KANJI_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")
_KANJI_DIGIT_RUN = re.compile(rf"[〇○零一二三四五六七八九](?:{_SEP}?[〇○零一二三四五六七八九]){{6,}}")

# 4-4-4 digits, separated or not; neighbouring digits mean some other, longer number.
_MY_NUMBER = re.compile(rf"(?<!\d)(?<!\d{_SEP})\d{{4}}{_SEP}?\d{{4}}{_SEP}?\d{{4}}(?!{_SEP}?\d)")

# Japanese numbers: 0 + 9 or 10 digits (03-1234-5678, 090-1234-5678, 0120-123-456, (03)1234-5678,
# 03(5253)2111, 090.1234.5678), or +81 without the leading 0. The digit count is checked in _is_phone.
_PHONE = re.compile(
    rf"(?<![\d+.])(?:\+81{_PHONE_SEP}?\(?|\(?0)\d{{1,4}}\)?{_PHONE_SEP}?\(?\d{{1,4}}\)?{_PHONE_SEP}?\d{{3,4}}(?![\d.]\d)"
)

# 〒260-8722, 郵便番号 2608722, or a bare 3-4 digit pair with a hyphen (the postal code's shape).
_POSTAL = re.compile(
    rf"〒\s*\d{{3}}{_SEP}?\d{{4}}(?!\d)|郵便番号\s*[:：は]?\s*(?P<code>\d{{3}}{_SEP}?\d{{4}})(?!\d)"
    rf"|(?<![\d{_DASH}])\d{{3}}-\d{{4}}(?![\d{_DASH}])"
)

_ERA_YEARS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018, "M": 1867, "T": 1911, "S": 1925,
              "H": 1988, "R": 2018}  # fmt: skip
# A whole date: 昭和50年1月2日, S50.1.2, 1975/01/02, 1975-1-2, 1975年1月2日 (元年 too).
_DATE = re.compile(
    r"(?<![\dA-Za-z])(?:(?P<era>明治|大正|昭和|平成|令和|[MTSHR])\s*(?P<ey>\d{1,2}|元)(?:年|[./-])"
    r"|(?P<y>(?:19|20)\d{2})(?:年|[./-]))\s*(?P<m>\d{1,2})(?:月|[./-])\s*(?P<d>\d{1,2})日?(?!\d)"
)
# What says a date is someone's birth date rather than the day something happened.
_BIRTH_CUE = re.compile(r"生年月日|誕生日|生まれ|生\b|生\)|DOB|生年")
_BIRTH_WINDOW = 12  # characters around a date where a cue counts
# A date this many years back or more is taken as a birth date even without a cue: questions
# are about recent incidents, and a person's date of birth is what old full dates usually are.
_OLD_DATE_YEARS = 15

_PREFECTURES = (
    "北海道|東京都|大阪府|京都府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|新潟|富山|石川|"
    "福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|香川|愛媛|高知|福岡|"
    "佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県"
)
_PLACE = "[\u3005\u4e00-\u9fff\u30a1-\u30fa\u30fc]"  # kanji, 々 and katakana
_NUM = "(?:\\d+|[一二三四五六七八九十〇]+)"  # block numbers in digits or kanji numerals
# A block number with at least one marker, so "本市職員2名" is not an address: "1丁目2番3号",
# "一丁目一番一号", "2-8-1", "5番地", "3の4".
_BLOCK = (
    rf"{_NUM}(?:(?:丁目|番地|番|号)(?:(?:{_SEP}|の)?{_NUM}(?:番地|番|号)?)*"
    rf"|(?:{_SEP}|の)\d+(?:(?:{_SEP}|の)\d+)*)"
)
# Cities written in hiragana are few; listing them keeps hiragana particles out of the match.
_KANA_CITIES = "|".join(
    "さいたま つくばみらい つくば ひたちなか いわき いなべ みよし かほく あわら えびの".split()
    + "みどり うきは さくら たつの あま".split()
)
_TOWN = "[\u3005\u4e00-\u9fff\u30a1-\u30fa\u30fc\u3041-\u3093]"  # town names may hold kana: 霞が関
_MUNICIPALITY = rf"(?:(?:{_KANA_CITIES})市|{_PLACE}{{1,6}}?[市区町村郡])"
# A prefecture or municipality, a town name, then a block number: "東京都新宿区西新宿2-8-1",
# "中野区中央1丁目2番3号". A city named alone (the body itself, "○○市の職員") is not masked.
_ADDRESS = re.compile(
    rf"(?:(?:{_PREFECTURES})(?:{_MUNICIPALITY}){{0,3}}|(?:{_MUNICIPALITY}){{1,3}}){_TOWN}{{0,8}}?{_BLOCK}"
)
# A town name and a block with 丁目 is an address even without its city: "千葉港一丁目一番一号".
_CHOME_ADDRESS = re.compile(rf"{_PLACE}{{1,8}}?{_NUM}丁目(?:{_NUM}(?:番地|番|号)?)*")
# After a place name the dictionary knows (美浜区真砂), the rest of a street address.
_AFTER_PLACE = re.compile(rf"{_TOWN}{{0,8}}?{_BLOCK}")

_NAME_CHARS = "[\u3005\u4e00-\u9fff\u30a1-\u30fa\u30fc]"  # kanji and katakana: hiragana ends a name
_NAME = rf"{_NAME_CHARS}{{1,8}}(?: {_NAME_CHARS}{{1,8}})?"
# "氏名：山田 太郎", "名前は ヤマダ"; the label needs ：, = or は, so "氏名及び住所" and a heading
# like "氏名 フルネーム" are left alone (the dictionary still finds a real name after a space).
_LABELLED_NAME = re.compile(rf"(?:氏名|お名前|名前)(?:\s*[:=]\s*|は\s*)({_NAME})")
_TITLES = "様(?![式子相])|さん|氏(?!名)|殿|くん|ちゃん"
# A name and its title; the name may be several words ("山田 太郎様", "グエン・ヴァン・アン様").
# Searched backwards from the title (see _honorific_spans): the name is the word just before it.
_TITLE = re.compile(rf" ?(?:{_TITLES})")
_NAME_BEFORE = re.compile(rf"(?:{_NAME_CHARS}{{1,8}}[ ・]){{0,3}}{_NAME_CHARS}{{1,10}}$")
# Words that end in an honorific but name no one: 同様, 仕様, 皆様, お客さん, 両氏 …
_NOT_NAMES = frozenset(
    "同様 一様 多様 異様 仕様 模様 有様 態様 皆様 客様 神様 王様 奥様 殿様 外様 様様 文様 紋様 各様 今様"
    " 皆さん 客さん 奥さん 父さん 母さん 兄さん 姉さん 同氏 両氏 某氏 諸氏 御殿 宮殿 神殿 貴殿".split()
)
# Words before a title that are roles, not names: 担当者様, 利用者さん, 職員さん …
_ROLE_ENDINGS = ("者", "員", "長", "課", "係", "室", "部", "局", "署", "所", "会", "社", "先", "人", "方")
_LONG_NUMBER = re.compile(r"\d{7,}")
_ROMAN_WORD = re.compile(r" ?[A-Z][a-z]+")


def normalize(text: str) -> str:
    """The form the spans index: NFKC (full-width digits and letters become ASCII)."""
    return unicodedata.normalize("NFKC", text)


def _is_phone(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group())
    if match.group().startswith("+81"):
        return 11 <= len(digits) <= 12
    return 10 <= len(digits) <= 11


def _year(match: re.Match[str]) -> int:
    if match.group("y"):
        return int(match.group("y"))
    era_year = 1 if match.group("ey") == "元" else int(match.group("ey"))
    return _ERA_YEARS[match.group("era")] + era_year


def _is_birth_date(text: str, match: re.Match[str], today: date) -> bool:
    around = text[max(0, match.start() - _BIRTH_WINDOW) : match.end() + _BIRTH_WINDOW]
    return bool(_BIRTH_CUE.search(around)) or _year(match) <= today.year - _OLD_DATE_YEARS


def _honorific_spans(text: str) -> Iterable[Span]:
    for title in _TITLE.finditer(text):
        before = _NAME_BEFORE.search(text, max(0, title.start() - 20), title.start())
        if before is None:
            continue
        word = before.group()
        title_word = title.group().strip()
        # The word is its last few characters with the title: 同様, 皆さん, 担当者様.
        if any((word[-k:] + title_word) in _NOT_NAMES for k in (1, 2)) or word.endswith(_ROLE_ENDINGS):
            continue
        yield Span(before.start(), before.end(), NAME)


def _morphology_spans(text: str) -> Iterable[Span]:
    """Names and addresses SudachiPy's dictionary recognises."""
    from .morphology import tokenizer

    for offset, chunk in _chunks(text):
        for span in _chunk_spans(tokenizer().tokenize(chunk), chunk):
            yield Span(span.start + offset, span.end + offset, span.kind)


_CHUNK_CHARS = 1000  # SudachiPy refuses very long inputs; sentences are far shorter


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """(offset, piece) of the text, cut after 。 or a line break where it can be."""
    start = 0
    while start < len(text):
        end = min(start + _CHUNK_CHARS, len(text))
        if end < len(text):
            cut = max(text.rfind("。", start, end), text.rfind("\n", start, end))
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


def _chunk_spans(morphemes: Iterable, text: str) -> Iterable[Span]:
    for m in morphemes:
        pos = m.part_of_speech()
        if pos[1] != "固有名詞":
            continue
        surface = m.surface()
        if pos[2] == "人名":
            if surface.isascii() and len(surface) < 3:
                continue  # 「A氏」「X」: letters that stand for someone already anonymized
            start, end = m.begin(), m.end()
            if surface.isascii():  # romaji: the given name next to it is a name too (Suzuki Jiro)
                after = _ROMAN_WORD.match(text, end)
                end = after.end() if after else end
            yield Span(start, end, NAME)
        elif pos[2] == "地名":
            rest = _AFTER_PLACE.match(text, m.end())
            if rest:
                yield Span(m.begin(), rest.end(), ADDRESS)


def find_personal_data(text: str, *, morphology: bool = True, today: date | None = None) -> list[Span]:
    """Spans of personal data in normalize(text), sorted and not overlapping.

    `morphology=False` uses the regular expressions only (the bench compares both).
    """
    today = today or date.today()
    digits = _KANJI_DIGIT_RUN.sub(lambda m: m.group().translate(_KANJI_DIGITS), text)  # same length
    found: list[Span] = []

    def add(pattern: re.Pattern[str], kind: str, source: str = text, group: int = 0) -> None:
        found.extend(Span(m.start(group), m.end(group), kind) for m in pattern.finditer(source))

    add(_EMAIL, EMAIL)
    add(_MY_NUMBER, MY_NUMBER, digits)
    found.extend(Span(m.start(), m.end(), PHONE) for m in _PHONE.finditer(digits) if _is_phone(m))
    for m in _POSTAL.finditer(digits):  # the label 郵便番号 stays; the code and its 〒 go
        found.append(Span(*(m.span("code") if m.group("code") else m.span()), POSTAL_CODE))
    found.extend(Span(m.start(), m.end(), BIRTH_DATE) for m in _DATE.finditer(text) if _is_birth_date(text, m, today))
    add(_ADDRESS, ADDRESS)
    add(_CHOME_ADDRESS, ADDRESS)
    add(_LABELLED_NAME, NAME, group=1)
    found.extend(_honorific_spans(text))
    if morphology:
        found.extend(_morphology_spans(text))
    add(_LONG_NUMBER, NUMBER, digits)
    return _merge(found, text)


# Which kind a merged span takes when spans of several kinds overlap: the most specific.
_PRIORITY = (EMAIL, MY_NUMBER, PHONE, POSTAL_CODE, BIRTH_DATE, ADDRESS, NAME, NUMBER)


def _merge(spans: list[Span], text: str) -> list[Span]:
    """Overlapping spans joined (the most specific kind wins); names split by one space joined."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged:
            last = merged[-1]
            touching_names = last.kind == span.kind == NAME and text[last.end : span.start] in ("", " ", "・")
            if span.start < last.end or touching_names:
                kind = min(last.kind, span.kind, key=_PRIORITY.index)
                merged[-1] = Span(last.start, max(last.end, span.end), kind)
                continue
        merged.append(span)
    return merged


def mask_personal_data(text: str, *, morphology: bool = True) -> str:
    """The text with personal data replaced by ［氏名］, ［住所］, ［電話番号］, ［メール］, ［個人番号］,
    ［郵便番号］, ［生年月日］, ［番号］.

    The text is NFKC-normalized first, so full-width digits and symbols are caught too.
    """
    text = normalize(text)
    parts, cursor = [], 0
    for span in find_personal_data(text, morphology=morphology):
        parts += [text[cursor : span.start], span.kind]
        cursor = span.end
    return "".join(parts) + text[cursor:]
