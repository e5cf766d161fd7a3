"""Kinds of incident (誤封入, 紛失, 不正アクセス …), the media they travel by, and the record of
what a text was classified as. The names here are the vocabulary every page, filter and rule
uses; `kind_rules` recognises them in text, `kind_agreement` compares them with published labels.
"""

from __future__ import annotations

from dataclasses import dataclass

# The kind given when no rule recognizes what happened: it says nothing.
OTHER = "その他"
IMPERSONATION = "なりすまし・委任状偽造"
KIND_VOCABULARY: tuple[str, ...] = (
    "紛失", "誤封入", "誤送付", "メール誤送信", "FAX誤送信", "誤掲載", "不正アクセス", "内部不正",
    "誤廃棄", "誤交付", "盗難", "口頭漏えい", "マスキング漏れ", "設定ミス", "不適切な提供", OTHER,
    IMPERSONATION,
)  # fmt: skip
MEDIA: tuple[str, ...] = ("郵送", "メール", "FAX", "窓口", "電話", "Web", "システム")
LABEL_KEY = "incident_type"  # metadata key of a published label
# Kinds that are themselves a sign of an improper purpose (規則第43条第3号): an attack, a theft,
# a pretence, an insider's misuse. Triage reads them from the same rules as the kinds.
IMPROPER_KINDS: tuple[str, ...] = ("不正アクセス", "盗難", IMPERSONATION, "内部不正")


@dataclass(frozen=True)
class Kinds:
    kinds: tuple[str, ...]  # main kind first, then the others in PRIORITY order; never empty
    medium: str | None  # one of MEDIA, or None when the text does not say
    contractor: bool  # a contractor (委託先, 受託事業者, 協力医療機関 …) took part

    @property
    def main(self) -> str:
        return self.kinds[0]
