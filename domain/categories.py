"""Reporting categories (類型): the five situations of 規則第43条, their names and aliases.

Tables write the same category several ways (「100人以上」「100人超」「100人を超える」,
「不正の目的」「不正目的」); every part of Zenrei compares them by the one name below, so a
table that writes 「100人超」 is filtered by the chip 「100人以上」 and counted with it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str  # the label the tables and the page use
    field: str  # the triage checklist field it answers
    situation: int  # the item (号) of 規則第43条 / 第7条
    law_name: str  # as the law words the situation
    aliases: tuple[str, ...]  # other ways tables and people write it (compared after NFKC)
    question: str  # how a question names it (regular expression, before the filter tail)


CATEGORIES: tuple[Category, ...] = (
    Category("要配慮", "sensitive", 1, "要配慮個人情報が含まれる",
             ("要配慮個人情報", "要配慮個人情報を含む"), r"(?<!条例)要配慮(?:個人情報)?"),
    Category("財産的被害", "financial", 2, "不正に利用されることにより財産的被害が生じるおそれ",
             ("財産的被害のおそれ", "財産的被害が生じるおそれ", "財産的被害の恐れ"), r"財産的被害"),
    Category("不正目的", "improper", 3, "不正の目的をもって行われたおそれ",
             ("不正の目的", "不正の目的のおそれ", "不正目的のおそれ"), r"不正(?:の)?目的"),
    Category("100人以上", "people", 4, "本人の数が100人を超える",
             ("100人超", "100人超え", "100人を超える", "100人超過", "100名以上", "100名超", "100名超え"),
             r"100[人名](?:超え?|以上|を超え(?:る|た)?)(?:の(?:もの)?)?"),
    Category("条例要配慮", "ordinance", 5, "条例要配慮個人情報が含まれる",
             ("条例要配慮個人情報", "条例要配慮個人情報を含む"), r"条例要配慮(?:個人情報)?"),
)  # fmt: skip

BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}
BY_FIELD: dict[str, Category] = {c.field: c for c in CATEGORIES}
_ALIASES: dict[str, str] = {
    unicodedata.normalize("NFKC", alias): c.name for c in CATEGORIES for alias in (c.name, *c.aliases)
}


def normalize_category(label: str) -> str:
    """The one name of a category label (NFKC, trimmed); unknown labels come back trimmed."""
    text = unicodedata.normalize("NFKC", label or "").strip()
    return _ALIASES.get(text, text)


def normalize_categories(labels: Iterable[str]) -> tuple[str, ...]:
    """Each label by its one name, first occurrence kept, empty labels dropped."""
    return tuple(dict.fromkeys(name for name in map(normalize_category, labels) if name))
