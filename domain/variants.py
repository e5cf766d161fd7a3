"""Variant wordings of the field: which notions (誤封入, 紛失, 委託先 …) a text mentions.

Reports of the same kind of incident use different words: one body writes 誤封入, another
封入誤り, a third 「別の人の書類が同封されていた」; a person asking may write ファックス where the
report says FAX, or ask in English. The word lists live in `vocab/variants.toml` (one group per
notion) so that adding a wording is one edit in a data file; how the groups are matched is here,
how the search uses them is in index/synonyms.py.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

VOCAB_FILE = Path(__file__).resolve().parent / "vocab" / "variants.toml"


@dataclass(frozen=True)
class VariantGroup:
    """Wordings of one notion. Any of them in a question brings in the others."""

    concept: str
    variants: tuple[str, ...]  # the concept first


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used: names the file and what is wrong."""


def load_groups(path: Path = VOCAB_FILE) -> tuple[VariantGroup, ...]:
    """The groups of a TOML file: `[[group]]` tables with `concept` and `variants` (strings)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise VocabularyError(f"{path}: 言い換え辞書を読めません (cannot read the variant dictionary): {exc}") from exc
    groups = []
    for number, entry in enumerate(data.get("group", []), start=1):
        concept, variants = entry.get("concept"), entry.get("variants", [])
        if not isinstance(concept, str) or not concept.strip():
            raise VocabularyError(f"{path}: group {number}: concept がありません (no concept)")
        if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
            raise VocabularyError(f"{path}: group {number} ({concept}): variants は文字列のリストです")
        groups.append(VariantGroup(concept, tuple(dict.fromkeys((concept, *variants)))))
    if not groups:
        raise VocabularyError(f"{path}: グループがありません (no [[group]] entries)")
    return tuple(groups)


GROUPS: tuple[VariantGroup, ...] = load_groups()


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def is_ascii(term: str) -> bool:
    return all(ord(ch) < 128 for ch in term)


@cache
def _pattern(term: str) -> re.Pattern[str]:
    # English words match as whole words ("told" must not fire inside "toldo");
    # Japanese has no word boundaries, so Japanese variants match as substrings.
    escaped = re.escape(normalize(term))
    if is_ascii(term):
        return re.compile(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
    return re.compile(escaped)


def matched_groups(text: str, groups: Iterable[VariantGroup] = GROUPS) -> list[VariantGroup]:
    """The groups one of whose wordings occurs in the text, in dictionary order."""
    normalized = normalize(text)
    return [g for g in groups if any(_pattern(v).search(normalized) for v in g.variants)]
