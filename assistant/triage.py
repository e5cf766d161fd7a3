"""Which reporting situations (報告対象事態) a confirmed checklist meets, and the deadlines.

Pure rules over a checklist the privacy officer has confirmed: no text reading, no search
(suggestions live in `triage_hints`). The outcome supports a decision; it is not one.

Law as encoded here (個人情報の保護に関する法律 and its 施行規則):
- 行政機関等 (local governments' organs included since April 2023): 法第68条第1項, 規則第43条
  各号 (1 要配慮, 2 財産的被害, 3 不正の目的, 4 本人の数が100人を超える, 5 条例要配慮),
  deadlines 規則第44条.
- 事業者 (private businesses): 法第26条第1項, 規則第7条 (the same 1–3, and 4 with 1,000
  people; no 5), deadlines 規則第8条.
- 速報「速やかに」: the Commission's guideline puts it at roughly 3–5 days; we show day 5.
- 確報 within 30 days, 60 days when the improper-purpose situation (3) applies, whichever
  others apply too. Days are counted from the day after discovery, weekends and holidays
  included (discovery + 30 days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from domain.categories import CATEGORIES

Tri = Literal["yes", "no", "unknown"]
TRI_VALUES: tuple[Tri, ...] = ("yes", "no", "unknown")
TRI_LABELS: dict[str, str] = {"yes": "はい", "no": "いいえ", "unknown": "不明"}

LOCAL_GOVERNMENT = "地方公共団体"
PUBLIC_BODY = "行政機関等"
BUSINESS = "事業者"
ENTITIES = (LOCAL_GOVERNMENT, PUBLIC_BODY, BUSINESS)

# 「超える」: exactly the threshold is not over it.
PUBLIC_THRESHOLD = 100
BUSINESS_THRESHOLD = 1_000

PRELIMINARY_DAYS = 5  # upper end of the guideline's 3–5 days: the latest a 速報 should wait
FINAL_DAYS = 30
FINAL_DAYS_IMPROPER = 60

DISCLAIMER = "この判定は支援であり、法的判断ではありません。最終判断は個人情報保護担当で行ってください。"

Status = Literal["applies", "does_not_apply", "unknown", "not_applicable"]
STATUS_LABELS = {"applies": "該当", "does_not_apply": "非該当", "unknown": "未確認", "not_applicable": "対象外"}

Verdict = Literal["required", "not_required", "pending"]
VERDICT_LABELS = {"required": "報告が必要", "not_required": "報告は不要", "pending": "判断保留"}


@dataclass(frozen=True)
class Situation:
    number: int  # the item (号) in 規則第43条 / 第7条
    key: str  # the checklist field it reads
    name: str  # as the law names it
    category: str  # the label the incident tables use (類型)


SITUATIONS = tuple(Situation(c.situation, c.field, c.law_name, c.name) for c in CATEGORIES)


def is_public(entity: str) -> bool:
    return entity != BUSINESS


def threshold(entity: str) -> int:
    return PUBLIC_THRESHOLD if is_public(entity) else BUSINESS_THRESHOLD


def over_threshold(people: int | None, entity: str = LOCAL_GOVERNMENT) -> bool | None:
    """Whether the number of people is over the entity's threshold; None when not known."""
    return None if people is None else people > threshold(entity)


@dataclass(frozen=True)
class Checklist:
    """What the officer confirms. Only this decides; suggestions merely pre-fill it."""

    discovered: dt.date  # the day the body learned of the incident (発覚日)
    sensitive: Tri = "unknown"
    people: int | None = None  # None: not known yet
    improper: Tri = "unknown"
    financial: Tri = "unknown"
    ordinance: Tri = "unknown"
    entity: str = LOCAL_GOVERNMENT

    def __post_init__(self) -> None:
        for key in ("sensitive", "improper", "financial", "ordinance"):
            if getattr(self, key) not in TRI_VALUES:
                raise ValueError(f"{key} は yes / no / unknown のいずれかにしてください: {getattr(self, key)!r}")
        if self.people is not None and (isinstance(self.people, bool) or self.people < 0):
            raise ValueError(f"本人の数は0以上の整数にしてください: {self.people!r}")
        if self.entity not in ENTITIES:
            raise ValueError(f"主体は {' / '.join(ENTITIES)} のいずれかにしてください: {self.entity!r}")
        if not isinstance(self.discovered, dt.date):
            raise ValueError("発覚日を日付で指定してください")


@dataclass(frozen=True)
class Finding:
    situation: Situation
    status: Status
    reason: str  # one Japanese sentence saying why

    @property
    def category(self) -> str:
        return self.situation.category


@dataclass(frozen=True)
class Deadline:
    kind: str  # 速報 / 確報
    due: dt.date
    days: int
    label: str  # what the page shows
    rule: str  # where the number comes from


@dataclass(frozen=True)
class Triage:
    checklist: Checklist
    findings: tuple[Finding, ...]
    verdict: Verdict
    deadlines: tuple[Deadline, ...]
    notes: tuple[str, ...]
    legal_basis: str
    disclaimer: str = DISCLAIMER

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def applying(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == "applies")

    @property
    def categories(self) -> tuple[str, ...]:
        """The table labels (類型) of the situations that apply, in the law's order."""
        return tuple(f.category for f in self.applying)


def _tri_finding(situation: Situation, answer: Tri) -> Finding:
    if answer == "yes":
        return Finding(situation, "applies", "「はい」と確認されています。")
    if answer == "no":
        return Finding(situation, "does_not_apply", "「いいえ」と確認されています。")
    return Finding(situation, "unknown", "まだ確認されていません。")


def _people_finding(situation: Situation, people: int | None, entity: str) -> Finding:
    limit = threshold(entity)
    name = f"本人の数が{limit:,}人を超える"
    situation = Situation(
        situation.number, situation.key, name, situation.category if is_public(entity) else "1000人超"
    )
    over = over_threshold(people, entity)
    if over is None:
        return Finding(situation, "unknown", f"本人の数が未確認です（{entity}は{limit:,}人を超えると該当）。")
    if over:
        return Finding(situation, "applies", f"本人の数は{people:,}人で、{limit:,}人を超えています。")
    exact = f"ちょうど{limit:,}人は「超える」に当たりません。" if people == limit else ""
    return Finding(situation, "does_not_apply", f"本人の数は{people:,}人で、{limit:,}人以下です。{exact}")


def assess_situations(checklist: Checklist) -> tuple[Finding, ...]:
    findings = []
    for situation in SITUATIONS:
        if situation.key == "people":
            findings.append(_people_finding(situation, checklist.people, checklist.entity))
        elif situation.key == "ordinance" and not is_public(checklist.entity):
            reason = "条例要配慮個人情報は地方公共団体の機関等に限られ、事業者には適用されません。"
            findings.append(Finding(situation, "not_applicable", reason))
        else:
            findings.append(_tri_finding(situation, getattr(checklist, situation.key)))
    return tuple(findings)


def verdict_of(findings: tuple[Finding, ...]) -> Verdict:
    """Any situation met: report. None met but some unconfirmed: hold. All ruled out: none."""
    statuses = {f.status for f in findings}
    if "applies" in statuses:
        return "required"
    if "unknown" in statuses:
        return "pending"
    return "not_required"


def preliminary_due(discovered: dt.date) -> dt.date:
    return discovered + dt.timedelta(days=PRELIMINARY_DAYS)


def final_due(discovered: dt.date, improper: bool) -> dt.date:
    return discovered + dt.timedelta(days=FINAL_DAYS_IMPROPER if improper else FINAL_DAYS)


def deadlines(discovered: dt.date, improper: bool, *, entity: str = LOCAL_GOVERNMENT) -> tuple[Deadline, Deadline]:
    rule_article = "規則第44条" if is_public(entity) else "規則第8条"
    quick = preliminary_due(discovered)
    final = final_due(discovered, improper)
    days = FINAL_DAYS_IMPROPER if improper else FINAL_DAYS
    why = "不正の目的によるおそれがある事態を含むため60日" if improper else "30日（不正の目的によるおそれがあれば60日）"
    return (
        Deadline(
            "速報",
            quick,
            PRELIMINARY_DAYS,
            f"速やかに（目安：発覚から3〜5日以内、{quick.isoformat()}まで）",
            f"{rule_article}第1項：事態を知った後、速やかに。委員会のガイドラインは概ね3〜5日以内を目安とします。",
        ),
        Deadline(
            "確報",
            final,
            days,
            f"{final.isoformat()}まで（発覚から{days}日以内）",
            f"{rule_article}第2項：事態を知った日から{why}以内。発覚日の翌日を1日目とし、土日・祝日も数えています。",
        ),
    )


def assess(checklist: Checklist) -> Triage:
    findings = assess_situations(checklist)
    verdict = verdict_of(findings)
    improper = checklist.improper == "yes"
    notes = []
    if verdict == "pending":
        notes.append("未確認の項目があります。確認が済むまで、報告が必要になった場合に備えて期限を示します。")
    if verdict != "not_required" and checklist.improper == "unknown":
        notes.append("不正の目的の有無が未確認のため、確報は30日で計算しています（該当すれば60日）。")
    if verdict != "not_required":
        article = "法第68条第2項" if is_public(checklist.entity) else "法第26条第2項"
        notes.append(f"報告が必要な事態では、原則として本人への通知も必要です（{article}）。")
    notes.append("高度な暗号化等、本人の権利利益を保護するために必要な措置を講じていた場合は対象外になり得ます。")
    basis = (
        "個人情報保護法第68条第1項・同法施行規則第43条"
        if is_public(checklist.entity)
        else "個人情報保護法第26条第1項・同法施行規則第7条"
    )
    return Triage(
        checklist=checklist,
        findings=findings,
        verdict=verdict,
        deadlines=deadlines(checklist.discovered, improper, entity=checklist.entity)
        if verdict != "not_required"
        else (),
        notes=tuple(notes),
        legal_basis=basis,
    )
