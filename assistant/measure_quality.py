"""Is a line of a 再発防止策 column a measure someone can carry out? A pure, rule-based check.

Published 再発防止策 columns mix real measures (「封入時に二人で照合する」) with lines that name
no action: pledges (「再発防止に努める。」), lead-ins whose content was a list that did not survive
(「以下の取扱いについて課内にて徹底するよう周知を行った。」), findings (「…手続き上の瑕疵は
なかった。」) and statements (「市は「…」と説明。」). The chat's 「防止策だけまとめて」 leaves such
lines out (and says how many); drafting can flag them for the officer. Shared, so both agree.

Rules, in order: a line that states a finding, a statement or that nothing will change is
NOT_MEASURE; a line that leans on text that is not there (「以下の…」, 「は、…」, 「同報告書は…」)
is VAGUE; a line that is only pledges and generic words once those are taken out (個人情報の
管理の徹底, 再発防止, 信頼回復, 努める…) is VAGUE; anything else is a MEASURE.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MEASURE = "measure"
VAGUE = "vague"  # a pledge or a fragment: says no concrete action
NOT_MEASURE = "not_measure"  # a finding, a statement, a decision to change nothing

# Findings and statements: what was found or said, not what will be done.
_FINDING = re.compile(
    r"(?:瑕疵|過失|問題|落ち度|違反)(?:は|が)(?:なかった|ない|ありません|認められない)"
    r"|(?:と|を)(?:説明|発表|述べ|話し|コメント)(?:した|している|する)?[。．]?$"
    r"|(?:変更|見直し)(?:する|等の|などの)?(?:対応|措置)?は(?:しない|行わない)"
    r"|(?:提出|判明|発覚|確認)された[。．]?$"
    r"|報告済み"
)
# Text that refers to something not in the line itself.
_DANGLING = re.compile(
    r"^(?:[はがをにでともへ][、,]|以下(?:の|に|について|のとおり)|同(?:報告書|社|市|町|村|課)は|そのため)"
)
# Pledges and generic words: once removed, a real measure still says what is done to what.
_GENERIC = re.compile(
    "|".join(
        (
            r"再発(?:の)?防止(?:策)?",
            r"信頼(?:の)?回復",
            r"万全を期す",
            r"抜本的な?",
            r"根本原因",
            r"(?:努め|取り組|図|講じ|行|期|向け|明らかにし|反省し|約束)(?:る|ます|た|て|り|み|ん|ない|よう)?",
            r"(?:周知)?徹底(?:する|させる|を図る|します|した)?",
            r"周知(?:する|した|を行う|を行った)?",
            r"改めて|再度|引き続き|今後|今回の?",
            r"個人情報(?:保護)?",
            r"情報",
            r"(?:適正|適切|厳正なる|厳正|厳格|厳重)(?:な|に)?",
            r"(?:の)?(?:管理|取り?扱い|取扱|体制|意識|重要性|業務|職員|全職員|全庁|課内|所属|組織)",
            r"(?:の)?(?:強化|向上|見直し|検討|対策|対応|実施|取組)",
            r"(?:市長|理事長|知事|区長|町長|村長)?コメント",
            r"努力|続け",
        )
    )
)
_CONTENT_CHAR = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ffA-Za-z0-9]")
# Fewer content characters than this left after the generic words: nothing concrete is said.
MIN_CONCRETE_CHARS = 3


@dataclass(frozen=True)
class Assessment:
    verdict: str  # MEASURE, VAGUE or NOT_MEASURE
    reason: str  # one Japanese phrase for the officer; empty for a measure

    @property
    def is_measure(self) -> bool:
        return self.verdict == MEASURE


def assess(text: str) -> Assessment:
    """Whether `text` names an action, and if not, why (in Japanese)."""
    line = unicodedata.normalize("NFKC", text).strip()
    if not line:
        return Assessment(VAGUE, "空の記述")
    if _FINDING.search(line):
        return Assessment(NOT_MEASURE, "対策ではなく、事実や判断の記述")
    if _DANGLING.match(line):
        return Assessment(VAGUE, "前後の文に頼っていて、この行だけでは何をするかが分からない")
    rest = re.sub(r"\([^)]*\)|「[^」]*」", "", line)  # asides and quotations say no action
    rest = _GENERIC.sub("", rest)
    if len(_CONTENT_CHAR.findall(rest)) < MIN_CONCRETE_CHARS:
        return Assessment(VAGUE, "決意や一般的な表現だけで、具体的な対策がない")
    return Assessment(MEASURE, "")


def is_measure(text: str) -> bool:
    return assess(text).is_measure
