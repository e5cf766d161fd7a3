"""A triage result the officer can read, save and file: one plain structure, rendered once per medium.

`build_report` gathers what `triage.assess` decided, the facts the officer confirmed, the
precedents of the same categories and a first-response checklist (回収・本人への連絡・公表の要否・
報告) into a `TriageReport` of plain strings. The page shows it and offers it as Word/Markdown
(`report_document`, written by assistant/documents.py); the CLI prints `render_text`. So the
labels, marks and the cut of a summary are the same wherever the result is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from data.records import Incident
from domain.kind_rules import classify_text

from .citation import cite, source_of
from .documents import Block, Bullets, Document, Heading, Item, Paragraph
from .triage import STATUS_LABELS, TRI_LABELS, Triage, is_public
from .triage_hints import SOURCE_LABELS, Suggestions

TITLE = "報告要否の確認結果"
SHOWN_PRECEDENTS = 10
SUMMARY_CHARS = 80
# Marks every PC can show (JIS X 0208): ○ applies, × does not, ？ unconfirmed, － not for this body.
MARKS = {"applies": "○", "does_not_apply": "×", "unknown": "？", "not_applicable": "－"}
BOX = "□"  # a first-response step still to do, ticked by hand on the printed sheet
FIELD_LABELS = {
    "sensitive": "要配慮個人情報",
    "people": "本人の数",
    "improper": "不正の目的",
    "financial": "財産的被害のおそれ",
    "ordinance": "条例要配慮個人情報",
}


@dataclass(frozen=True)
class Fact:
    label: str  # 主体, 発覚日, 要配慮個人情報…
    value: str  # 地方公共団体, 2024-05-01, はい / いいえ / 不明, 52人


@dataclass(frozen=True)
class SituationLine:
    number: int  # the item (号) of 規則第43条 / 第7条
    name: str
    status: str  # applies / does_not_apply / unknown / not_applicable
    status_label: str  # 該当 / 非該当 / 未確認 / 対象外
    reason: str

    @property
    def mark(self) -> str:
        return MARKS[self.status]


@dataclass(frozen=True)
class DeadlineLine:
    kind: str  # 速報 / 確報
    due: dt.date
    label: str
    rule: str


@dataclass(frozen=True)
class Step:
    """One first-response step: what to do now, and by when if the law sets a date."""

    title: str  # 回収 / 本人への連絡 / 公表の要否 / 報告
    action: str


@dataclass(frozen=True)
class PrecedentLine:
    case_id: str
    year: str
    summary: str  # cut to SUMMARY_CHARS
    source: str  # 「出典: 千葉市の公表事案（令和4〜6年度）・令和6年度・事案19」


@dataclass(frozen=True)
class SuggestionLine:
    label: str  # 要配慮個人情報
    value: str  # はい / 52人
    source: str  # 本文 / 前例 …
    detail: str


@dataclass(frozen=True)
class TriageReport:
    text: str  # the incident as the officer described it
    facts: tuple[Fact, ...]
    verdict: str  # required / not_required / pending
    verdict_label: str
    legal_basis: str
    situations: tuple[SituationLine, ...]
    deadlines: tuple[DeadlineLine, ...]
    steps: tuple[Step, ...]
    notes: tuple[str, ...]
    categories: tuple[str, ...]  # the table labels (類型) of the situations that apply
    precedents: tuple[PrecedentLine, ...]  # every precedent of the same categories, nearest first
    suggestions: tuple[SuggestionLine, ...]
    disclaimer: str
    made: dt.date

    @property
    def shown_precedents(self) -> tuple[PrecedentLine, ...]:
        return self.precedents[:SHOWN_PRECEDENTS]

    @property
    def more_precedents(self) -> int:
        return max(0, len(self.precedents) - SHOWN_PRECEDENTS)


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _tri(value: str) -> str:
    return TRI_LABELS.get(value, value)


def _people(value: int | None) -> str:
    return "不明" if value is None else f"{value:,}人"


def facts_of(result: Triage) -> tuple[Fact, ...]:
    c = result.checklist
    return (
        Fact("主体", c.entity),
        Fact("発覚日（事態を知った日）", c.discovered.isoformat()),
        Fact(FIELD_LABELS["sensitive"], _tri(c.sensitive)),
        Fact(FIELD_LABELS["people"], _people(c.people)),
        Fact(FIELD_LABELS["improper"], _tri(c.improper)),
        Fact(FIELD_LABELS["financial"], _tri(c.financial)),
        Fact(FIELD_LABELS["ordinance"], _tri(c.ordinance)),
    )


# What stops the spread depends on how the information got out; the kind is read from the text.
_CONTAINMENT = {
    "誤送付": "誤って届いた先に連絡しておわびし、書類を回収する（郵送なら返信用封筒を送る）。回収日と相手を記録する。",
    "誤封入": "誤って届いた先に連絡しておわびし、書類を回収する（郵送なら返信用封筒を送る）。回収日と相手を記録する。",
    "誤交付": "誤って渡した相手に連絡して書類を回収し、写しを取っていないか確かめる。",
    "メール誤送信": "誤送信先に連絡し、メールと添付ファイルの削除を依頼して、削除したとの返答を記録する。",
    "FAX誤送信": "誤送信先に連絡し、受信した文書の返送か廃棄を依頼して、その結果を記録する。",
    "誤掲載": "掲載・公開を直ちに止め、閲覧やダウンロードされた範囲をアクセス記録で確かめる。",
    "マスキング漏れ": "公開・送付した文書を止めるか回収し、黒塗りし直した文書に差し替える。",
    "設定ミス": "設定を直して公開・共有を止め、閲覧された範囲をアクセス記録で確かめる。",
    "不正アクセス": "該当する機器やアカウントを切り離し、パスワードを変えるなど被害の拡大を止め、ログを保全する。",
    "紛失": "心当たりの場所を捜索し、見つからなければ警察に遺失届を出す。",
    "盗難": "警察に被害届を出し、盗まれた物と含まれていた情報を特定する。",
    "内部不正": "関係する職員への聴取と記録の保全を行い、持ち出された情報の範囲を特定する。",
}
_CONTAINMENT_DEFAULT = "漏えい等した情報の範囲（誰の、どの情報か）を特定し、回収・削除など広がりを止める措置をとる。"


def first_steps(text: str, result: Triage) -> tuple[Step, ...]:
    """回収・本人への連絡・公表の要否・報告: the first response, worded for this result."""
    found = classify_text(text) if text.strip() else None
    kinds = found.kinds if found else ()
    containment = next((_CONTAINMENT[k] for k in kinds if k in _CONTAINMENT), _CONTAINMENT_DEFAULT)
    if found and found.contractor:
        containment += "委託先に、経緯と対応状況を書面で報告するよう求める。"
    public = is_public(result.checklist.entity)
    article = "法第68条第2項" if public else "法第26条第2項"
    if result.verdict == "required":
        notify = f"報告対象事態のため、本人に通知する（{article}）。通知が難しい場合は公表など代わりの措置をとる。"
    elif result.verdict == "pending":
        notify = (
            f"対象となる本人を特定し、連絡先を確かめる。報告対象事態と分かれば本人への通知が必要です（{article}）。"
        )
    else:
        notify = "報告対象事態ではありませんが、影響を受けた本人に経緯とおわびを伝えるかを決める。"
    if result.checklist.people is None:
        notify += "本人の数がまだ分かっていないため、まず対象者の名簿を作る。"
    publish = (
        "公表するかを決める（本人への通知が難しい場合、影響が大きい場合、二次被害のおそれがある場合は公表を検討）。"
        "公表するなら時期と担当を決める。"
    )
    by = {d.kind: d.due.isoformat() for d in result.deadlines}
    office = "庁内の個人情報保護担当と上司に報告する。" if public else "社内の責任者に報告する。"
    if result.verdict == "required":
        report = f"個人情報保護委員会に速報（{by.get('速報')}まで）と確報（{by.get('確報')}まで）を提出する。{office}"
    elif result.verdict == "pending":
        report = f"未確認の項目を確かめ、報告が必要なら速報の目安（{by.get('速報')}）に間に合わせる。{office}"
    else:
        report = f"委員会への報告は不要と判定されました。{office}判断の経緯を記録に残す。"
    return (
        Step("回収・拡大防止", containment),
        Step("本人への連絡", notify),
        Step("公表の要否", publish),
        Step("報告", report),
    )


def _suggestion_lines(suggestions: Suggestions | None) -> tuple[SuggestionLine, ...]:
    if suggestions is None:
        return ()
    lines = []
    for field, s in suggestions.by_field().items():
        value = _people(s.value) if field == "people" else _tri(s.value)
        lines.append(SuggestionLine(FIELD_LABELS[field], value, SOURCE_LABELS[s.source], s.describe()))
    return tuple(lines)


def build_report(
    text: str,
    result: Triage,
    precedents: Sequence[Incident] = (),
    *,
    labels: Mapping[str, str] | None = None,
    suggestions: Suggestions | None = None,
    made: dt.date | None = None,
) -> TriageReport:
    """The result as plain lines. `precedents`: same_category_precedents(...), nearest first."""
    labels = labels or {}
    return TriageReport(
        text=" ".join(text.split()),
        facts=facts_of(result),
        verdict=result.verdict,
        verdict_label=result.verdict_label,
        legal_basis=result.legal_basis,
        situations=tuple(
            SituationLine(f.situation.number, f.situation.name, f.status, STATUS_LABELS[f.status], f.reason)
            for f in result.findings
        ),
        deadlines=tuple(DeadlineLine(d.kind, d.due, d.label, d.rule) for d in result.deadlines),
        steps=first_steps(text, result),
        notes=tuple(result.notes),
        categories=tuple(result.categories),
        precedents=tuple(
            PrecedentLine(i.id, source_of(i, labels.get(i.source)).year, summary(i.description), cite(i, labels))
            for i in precedents
        ),
        suggestions=_suggestion_lines(suggestions),
        disclaimer=result.disclaimer,
        made=made or dt.date.today(),
    )


# ---- Renderers ---------------------------------------------------------------------------------


def report_document(report: TriageReport) -> Document:
    """The result as a document for the file (Word or Markdown through assistant/documents.py)."""
    blocks: list[Block] = [
        Paragraph(f"作成日: {report.made.isoformat()}。{report.disclaimer}", note=True),
        Heading("事案の内容"),
        Paragraph(report.text or "（入力なし）"),
        Heading("確認した事実"),
        Bullets(tuple(Item(f"{f.label}: {f.value}") for f in report.facts)),
        Heading("判定"),
        Paragraph(f"{report.verdict_label}（{report.legal_basis}）"),
        Bullets(
            tuple(Item(f"{s.mark} ({s.number}) {s.name} — {s.status_label}：{s.reason}") for s in report.situations)
        ),
    ]
    if report.deadlines:
        blocks += [Heading("期限"), Bullets(tuple(Item(f"{d.kind}: {d.label}", d.rule) for d in report.deadlines))]
    blocks += [Heading("初動の確認"), Bullets(tuple(Item(f"{BOX} {s.title}: {s.action}") for s in report.steps))]
    if report.notes:
        blocks += [Heading("注意"), Bullets(tuple(Item(note) for note in report.notes))]
    if report.categories:
        blocks.append(Heading(f"同じ類型（{'・'.join(report.categories)}）の前例: {len(report.precedents)}件"))
        if report.precedents:
            blocks.append(
                Bullets(
                    tuple(
                        Item(f"事案{p.case_id}（{p.year}） {p.summary}", f"〔{p.source}〕")
                        for p in report.shown_precedents
                    )
                )
            )
            if report.more_precedents:
                blocks.append(Paragraph(f"ほか{report.more_precedents}件", note=True))
        else:
            blocks.append(Paragraph("同じ類型の前例はありません。"))
    return Document(title=TITLE, blocks=tuple(blocks))


def render_text(report: TriageReport) -> str:
    """The result as plain text for a terminal (the CLI's `triage` command)."""
    lines = [f"※ {report.disclaimer}", "", f"事案の内容: {report.text or '（入力なし）'}", "", "確認した事実:"]
    lines += [f"  {f.label}: {f.value}" for f in report.facts]
    lines += ["", f"判定: {report.verdict_label}（{report.legal_basis}）"]
    lines += [f"  {s.mark} ({s.number}) {s.name} — {s.status_label}：{s.reason}" for s in report.situations]
    if report.deadlines:
        lines += ["", "期限:"]
        lines += [f"  {d.kind}: {d.label}\n      根拠: {d.rule}" for d in report.deadlines]
    lines += ["", "初動の確認:", *(f"  {BOX} {s.title}: {s.action}" for s in report.steps)]
    if report.notes:
        lines += ["", "注意:", *(f"  - {note}" for note in report.notes)]
    if report.suggestions:
        lines += ["", "提案（本文と近い前例から。判定には確認済みの回答だけを使っています）:"]
        lines += [f"  {s.label}: {s.value}［{s.source}］ {s.detail}" for s in report.suggestions]
    if report.categories:
        lines += ["", f"同じ類型（{'・'.join(report.categories)}）の前例: {len(report.precedents)}件"]
        for p in report.shown_precedents:
            lines.append(f"  - 事案 {p.case_id}  {p.year}  {p.summary}\n      {p.source}")
        if report.more_precedents:
            lines.append(f"  （ほか{report.more_precedents}件）")
    lines += ["", f"※ {report.disclaimer}"]
    return "\n".join(lines)
