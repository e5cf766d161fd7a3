"""An optional audit log of searches, with personal data masked.

Offices that must account for who looked up what can set ZENREI_AUDIT_LOG to a file path:
each search then appends one JSON line (time, masked question, filters, ids of the cases
shown). Unset, nothing is recorded anywhere: questions describe real incidents and often name
the people involved, so Zenrei keeps no trace of them by default.

Masking is best effort and errs on the side of masking too much: e-mail addresses, 12-digit
individual numbers (マイナンバー), phone numbers, street addresses with a block number, names
next to 氏名/様/さん/氏/殿, and any other run of 7 or more digits (受給者番号 and the like).
A name written bare ("山田太郎の受給者証") cannot be told from other words and is kept.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from index.filters import Filters
from index.searcher import Hit, Searcher

from .settings import Settings

# Questions are capped at this length in the log: longer ones are pasted documents, and the
# head is enough to audit; the whole would mostly add unmasked risk.
MAX_LOGGED_CHARS = 2000

# What each kind of personal data is replaced with: the log still says what kind was there.
NAME, ADDRESS, PHONE = "［氏名］", "［住所］", "［電話番号］"
EMAIL, MY_NUMBER, NUMBER = "［メール］", "［個人番号］", "［番号］"

# After NFKC, full-width digits, ＠, － and spaces are ASCII; these dash-likes are not folded.
_DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"
_SEP = f"[ {_DASH}]"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")

# 4-4-4 digits, separated or not; neighbouring digits mean some other, longer number.
_MY_NUMBER = re.compile(rf"(?<!\d)(?<!\d{_SEP})\d{{4}}{_SEP}?\d{{4}}{_SEP}?\d{{4}}(?!{_SEP}?\d)")

# Japanese numbers: 0 + 9 or 10 digits (03-1234-5678, 090-1234-5678, 0120-123-456, (03)1234-5678),
# or +81 without the leading 0. The digit count is checked in _phone.
_PHONE = re.compile(rf"(?<![\d+])(?:\+81{_SEP}?\(?|\(?0)\d{{1,4}}\)?{_SEP}?\d{{1,4}}{_SEP}?\d{{3,4}}(?!\d)")

_PREFECTURES = (
    "北海道|東京都|大阪府|京都府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|新潟|富山|石川|"
    "福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|香川|愛媛|高知|福岡|"
    "佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県"
)
_PLACE = "[\u3005\u4e00-\u9fff\u30a1-\u30fa\u30fc]"  # kanji, 々 and katakana
# A block number with at least one marker, so "本市職員2名" is not an address: "1丁目2番3号",
# "2-8-1", "5番地", "3の4".
_BLOCK = rf"\d+(?:(?:丁目|番地|番|号)(?:\d+(?:番地|番|号)?)*|(?:{_SEP}|の)\d+(?:(?:{_SEP}|の)\d+)*)"
# A prefecture or municipality, a town name, then a block number: "東京都新宿区西新宿2-8-1",
# "中野区中央1丁目2番3号". A city named alone (the body itself, "○○市の職員") is not masked.
# Cities written in hiragana are few; listing them keeps hiragana particles out of the match.
_KANA_CITIES = "|".join(
    "さいたま つくばみらい つくば ひたちなか いわき いなべ みよし かほく あわら えびの".split()
    + "みどり うきは さくら たつの あま".split()
)
_TOWN = "[\u3005\u4e00-\u9fff\u30a1-\u30fa\u30fc\u3041-\u3093]"  # town names may hold kana: 霞が関
_MUNICIPALITY = rf"(?:(?:{_KANA_CITIES})市|{_PLACE}{{1,6}}?[市区町村郡])"
_ADDRESS = re.compile(
    rf"(?:(?:{_PREFECTURES})(?:{_MUNICIPALITY}){{0,3}}|(?:{_MUNICIPALITY}){{1,3}}){_TOWN}{{0,8}}?{_BLOCK}"
)

_NAME_CHARS = "[\u3005\u4e00-\u9fff\u30a1-\u30fa\u30fc]"  # kanji and katakana: hiragana ends a name
# "氏名：山田 太郎", "名前は ヤマダ"; the label needs a separator, so "氏名及び住所" is left alone.
_LABELLED_NAME = re.compile(
    rf"((?:氏名|お名前|名前)(?:\s*[:=]\s*|\s+|は\s*))({_NAME_CHARS}{{1,8}}(?: {_NAME_CHARS}{{1,8}})?)"
)
_HONORIFIC_NAME = re.compile(rf"({_NAME_CHARS}{{1,10}}?)( ?)(様(?![式子相])|さん|氏(?!名)|殿|くん|ちゃん)")
# Words that end in an honorific but name no one: 同様, 仕様, 皆様, お客さん, 両氏 …
_NOT_NAMES = frozenset(
    "同様 一様 多様 異様 仕様 模様 有様 態様 皆様 客様 神様 王様 奥様 殿様 外様 様様 文様 紋様 各様 今様"
    " 皆さん 客さん 奥さん 父さん 母さん 兄さん 姉さん 同氏 両氏 某氏 諸氏 御殿 宮殿 神殿 貴殿".split()
)
_LONG_NUMBER = re.compile(r"\d{7,}")


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    international = match.group().startswith("+81")
    ok = 11 <= len(digits) <= 12 if international else 10 <= len(digits) <= 11
    return PHONE if ok else match.group()


def _honorific(match: re.Match[str]) -> str:
    name, space, title = match.groups()
    # The lazy name match may stop short; the word is its last character with the title.
    if name[-1] + title in _NOT_NAMES:
        return match.group()
    return f"{NAME}{space}{title}"


def mask_personal_data(text: str) -> str:
    """The text with personal data replaced by ［氏名］, ［住所］, ［電話番号］, ［メール］, ［個人番号］, ［番号］.

    The text is NFKC-normalized first, so full-width digits and symbols are caught too.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _EMAIL.sub(EMAIL, text)
    text = _MY_NUMBER.sub(MY_NUMBER, text)
    text = _PHONE.sub(_phone, text)
    text = _ADDRESS.sub(ADDRESS, text)
    text = _LABELLED_NAME.sub(lambda m: m.group(1) + NAME, text)
    text = _HONORIFIC_NAME.sub(_honorific, text)
    return _LONG_NUMBER.sub(NUMBER, text)


def audit_entry(question: str, filters: Any, hits: Iterable[Any], now: datetime | None = None) -> dict[str, Any]:
    """The JSON record of one search; only masked text leaves this function."""
    masked = mask_personal_data(question[:MAX_LOGGED_CHARS])
    if len(question) > MAX_LOGGED_CHARS:
        masked += "…"
    return {
        "time": (now or datetime.now().astimezone()).isoformat(timespec="seconds"),
        "question": masked,
        "filters": _filters_dict(filters),
        "top_ids": [hit.incident.id for hit in hits],
    }


def _filters_dict(filters: Any) -> dict[str, Any]:
    if filters is None:
        return {}
    return {
        "year_from": getattr(filters, "year_from", None),
        "year_to": getattr(filters, "year_to", None),
        "categories": sorted(getattr(filters, "categories", ()) or ()),
        "sources": sorted(getattr(filters, "sources", ()) or ()),
    }


_lock = threading.Lock()  # one line at a time, however many sessions search at once
_log = logging.getLogger(__name__)


def record_search(question: str, filters: Any, hits: Iterable[Any], log: Path | None = None) -> None:
    """Append one masked line to the audit log (`log`, else ZENREI_AUDIT_LOG); nothing when unset.

    A log that cannot be written is reported (path and reason, never the question) but does not
    stop the search: the person asking needs the answer more than the office needs the line.
    """
    path = log if log is not None else Settings.from_env().audit_log
    if path is None:
        return
    line = json.dumps(audit_entry(question, filters, hits), ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock:
            # 0o600: even masked, the log says what the office was worried about.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line)
    except OSError as exc:
        _log.warning("監査ログに書き込めません (cannot write audit log) %s: %s", path, exc.strerror or exc)


class AuditedSearcher(Searcher):
    """A Searcher that logs every search it answers: the one place all of them pass.

    The engine hands this to every page and command (chat, triage, drafting, browse, training,
    CLI search and eval), so no caller can forget to audit. It shares every index of the
    searcher it was made from, as `Searcher.with_ranking` copies do.
    """

    audit_log: Path

    def search(self, query: str, top_k: int = 5, filters: Filters | None = None, method: str = "hybrid") -> list[Hit]:
        hits = super().search(query, top_k=top_k, filters=filters, method=method)
        record_search(query, filters, hits, self.audit_log)
        return hits


def audited(searcher: Searcher, log: Path | None = None) -> Searcher:
    """`searcher`, logging its searches to `log` (else ZENREI_AUDIT_LOG); as it is when neither is set."""
    log = log if log is not None else Settings.from_env().audit_log
    if log is None or not isinstance(searcher, Searcher):
        return searcher
    found = copy.copy(searcher)
    found.__class__ = AuditedSearcher  # same state, one overridden method; nothing is rebuilt
    found.audit_log = log
    return found
