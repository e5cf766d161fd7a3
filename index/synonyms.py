"""Variant wordings of this domain, for expanding a question in the lexical leg.

Reports of the same kind of incident use different words: one body writes 誤封入, another
封入誤り, a third 「別の人の書類が同封されていた」; a person asking may write ファックス where the
report says FAX, or ask in English. Character n-grams only match what is written, so a
question phrased one way misses reports phrased another. Each group below lists wordings of
one notion; a question that contains any of them also searches for the others, each added
word weighing less than a word the person wrote (EXPANSION_WEIGHT).

The groups themselves are field knowledge (domain/variants.py, word lists in
domain/vocab/variants.toml); this module is how the search uses them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from domain.variants import GROUPS, VariantGroup, is_ascii, matched_groups, normalize

__all__ = ["GROUPS", "VariantGroup", "matched_groups", "EXPANSION_WEIGHT", "CONCEPT_MARK", "concept_tokens",
           "expansion_terms", "group_text", "dictionary_fingerprint"]


# Weight of each expansion term relative to the question's own terms (1.0): lower, so words
# the person wrote count for more than words we guessed. Chosen on the decide half of the dev
# sets among 0.3 / 0.5 / 0.7 (see bench/quality.py).
EXPANSION_WEIGHT = 0.7

# Marks a concept token so it can never collide with a character n-gram of the text.
CONCEPT_MARK = "\u00a7"


def dictionary_fingerprint(groups: Iterable[VariantGroup] = GROUPS) -> str:
    """A short hash of the dictionary: saved with a lexical index, so editing it rebuilds."""
    data = json.dumps([[g.concept, *g.variants] for g in groups], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


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
    text = normalize(query)
    out: dict[str, None] = {}
    for group in matched_groups(query, groups):
        for variant in group.variants:
            if is_ascii(variant) and variant == variant.lower():
                continue
            if normalize(variant) in text:
                continue
            out.setdefault(variant, None)
    return list(out)


def group_text(group: VariantGroup) -> str:
    """The group's wordings as one text, for the dense leg to embed once per group. Lower-case
    English is left out, as in expansion_terms."""
    return " ".join(v for v in group.variants if not (is_ascii(v) and v == v.lower()))
