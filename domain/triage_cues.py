"""Cues in an incident's text for the triage checklist (要配慮, 不正の目的, 財産的被害).

A cue is a clue ("yes") or a prompt to check ("unknown" with a reason): 「持ち出し」 is improper
only when unauthorised, and bank-account details alone often do not meet the financial-damage
situation. Whether the text shows an improper purpose is read from the kind rules
(`kind_rules.kind_evidence`): an attack, a theft, a pretence or an insider's misuse is both a kind
of incident and a clue, so the two can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .kind_rules import kind_evidence
from .kinds import IMPERSONATION, IMPROPER_KINDS

Cue = Literal["yes", "unknown"]


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    value: Cue  # "yes": a clue; "unknown": worth checking, not enough alone
    why: str


def _rule(pattern: str, value: Cue, why: str) -> Rule:
    return Rule(re.compile(pattern), value, why)


SENSITIVE_RULES = (
    _rule(
        r"病歴|病名|疾患|難病|感染症|結核|療養|入院|通院|服薬|処方|調剤|診療|診断|カルテ|レセプト|医療費|患者|認知症",
        "yes",
        "病歴・診療に関する情報",
    ),
    _rule(r"検診|健診|健康(?:診断|調査|状態|状況)|検査結果|予診票", "yes", "健康診断・検査の結果など"),
    _rule(
        r"(?:身体|知的|精神|発達|聴覚|視覚|言語|重度心身)障(?:害|がい)|障(?:害|がい)(?:者|児|福祉|の程度|年金|区分)",
        "yes",
        "障害に関する情報",
    ),
    # 「手帳」 alone is not enough: 教務手帳・指導手帳 hold grades, not health.
    _rule(
        r"(?:障害者|療育|精神障害者保健福祉|母子健康)手帳|(?<!高齢)受給者証|補装具", "yes", "障害・医療の給付を示す書類"
    ),
    _rule(r"生活保護", "yes", "生活保護の記録（病歴・診療の情報を伴うことが多い）"),
    _rule(r"犯罪歴|前科|犯罪の経歴|逮捕歴|犯罪被害", "yes", "犯罪の経歴・被害"),
)

# Why each improper kind is a clue, as the checklist says it.
IMPROPER_REASONS: dict[str, str] = {
    "不正アクセス": "外部からの攻撃",
    "盗難": "盗難",
    IMPERSONATION: "なりすまし・偽造",
    "内部不正": "内部不正・不正な持ち出し",
}
assert set(IMPROPER_REASONS) == set(IMPROPER_KINDS)

# Prompts only: words that are improper in some incidents and innocent in others.
IMPROPER_PROMPTS = (
    _rule(r"持ち?出", "unknown", "持ち出しが無断・不正の目的によるものか確認が必要"),
    # 「メールの履歴を流用」 is careless reuse; 「探偵業に流用」 is a kind rule's 内部不正.
    _rule(r"流用", "unknown", "業務外の目的での流用か確認が必要"),
)

FINANCIAL_RULES = (
    _rule(
        r"クレジットカード|カード番号|暗証番号|キャッシュカード|ネットバンキング|セキュリティコード",
        "yes",
        "不正利用で財産的被害が生じうる情報",
    ),
    _rule(r"口座|通帳", "unknown", "口座情報だけでは該当しない場合があり、暗証番号等を伴うか確認が必要"),
    # 「パスワードは未設定」 is about the medium, not a leaked credential: only a prompt.
    _rule(r"パスワード|ログインID", "unknown", "漏えいしたのが認証情報か、媒体の設定の話か確認が必要"),
)


def improper_clues(text: str) -> list[tuple[str, str]]:
    """(phrase, reason) for every improper kind the kind rules find in the text, in their order."""
    found = kind_evidence(text)
    return [(phrase, IMPROPER_REASONS[kind]) for kind, phrase in found.items() if kind in IMPROPER_REASONS]
