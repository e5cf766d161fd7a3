"""Reporting triage: does this incident have to be reported, by when, and like which precedents.

The checklist is pre-filled from suggestions (the text and the nearest precedents) and stays
editable; only what the officer leaves in it decides. Support, not a legal decision.
"""

import datetime as dt
import hashlib

import streamlit as st

from assistant.documents import to_docx, to_markdown
from assistant.render import escape_markdown as md
from assistant.triage import DISCLAIMER, ENTITIES, TRI_LABELS, TRI_VALUES, Checklist, assess
from assistant.triage_hints import (
    SOURCE_LABELS,
    Suggestions,
    nearest_precedents,
    same_category_precedents,
    suggest,
)
from assistant.triage_report import TriageReport, build_report, report_document
from ui.engine import get_engine

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILE_NAME = "報告要否の確認結果"
# Follow-ups in the chat ("R6だけ", "もっと見せて") are short; an incident takes more words.
MIN_INCIDENT_CHARS = 10
QUESTIONS = {
    "sensitive": "要配慮個人情報（病歴・障害・健診結果など）が含まれますか",
    "improper": "不正の目的（不正アクセス・盗難・内部不正など）によるおそれがありますか",
    "financial": "不正利用で財産的被害が生じるおそれ（カード番号・暗証番号など）がありますか",
    "ordinance": "条例で定める要配慮個人情報（条例要配慮個人情報）が含まれますか",
}
VERDICT_BOXES = {"required": st.error, "pending": st.info, "not_required": st.success}


def last_incident_text(messages: list | None) -> str:
    """The latest chat question that reads like an incident, else the latest question."""
    asked = [m.get("content", "") for m in messages or () if isinstance(m, dict) and m.get("role") == "user"]
    asked = [a for a in asked if isinstance(a, str) and a.strip()]
    full = [a for a in asked if len(a.strip()) >= MIN_INCIDENT_CHARS]
    return (full or asked or [""])[-1]


def fill_from(suggestions: Suggestions) -> None:
    """Put the suggestions into the checklist widgets (before they are drawn)."""
    for field, suggestion in suggestions.by_field().items():
        st.session_state[f"triage-{field}"] = suggestion.value


def suggestion_caption(suggestions: Suggestions, field: str) -> str:
    s = suggestions.by_field()[field]
    if field == "people":
        value = "不明" if s.value is None else f"{s.value:,}人"
    else:
        value = TRI_LABELS[s.value]
    return f"提案：{md(value)}［{SOURCE_LABELS[s.source]}］ {md(s.describe())}"


def show_result(report: TriageReport) -> None:
    st.subheader("判定")
    VERDICT_BOXES[report.verdict](f"**{report.verdict_label}**　（{md(report.legal_basis)}）")
    for s in report.situations:
        st.markdown(f"{s.mark} **{md(f'({s.number}) {s.name}')}** — {s.status_label}：{md(s.reason)}")
    deadlines, steps = st.columns(2)
    if report.deadlines:
        deadlines.subheader("期限")
        deadlines.markdown("\n".join(f"- **{d.kind}**：{md(d.label)}  \n  {md(d.rule)}" for d in report.deadlines))
    steps.subheader("初動の確認")
    steps.markdown("\n".join(f"- **{md(s.title)}**：{md(s.action)}" for s in report.steps))
    for note in report.notes:
        st.caption(md(note))
    if not report.categories:
        return
    st.subheader(f"同じ類型（{md('・'.join(report.categories))}）の前例：{len(report.precedents)}件")
    lines = [f"- **事案 {md(p.case_id)}**　{md(p.year)}：{md(p.summary)}" for p in report.shown_precedents]
    st.markdown("\n".join(lines) or "同じ類型の前例はありません。")
    if report.more_precedents:
        st.caption(f"ほか{report.more_precedents}件")


def offer_downloads(report: TriageReport) -> None:
    st.subheader("結果を保存")
    st.caption("確認した事実、5つの事態の判定と理由、期限、初動の確認、前例を一つの文書にします（決裁・記録用）。")
    document = report_document(report)
    left, right = st.columns(2)
    left.download_button(
        "Word（.docx）でダウンロード", data=to_docx(document), file_name=f"{FILE_NAME}.docx", mime=DOCX_MIME
    )
    right.download_button(
        "Markdown（.md）でダウンロード",
        data=to_markdown(document).encode("utf-8"),
        file_name=f"{FILE_NAME}.md",
        mime="text/markdown",
    )


engine = get_engine()
st.title("報告要否の確認")
st.warning(DISCLAIMER)

if "triage-text" not in st.session_state:
    st.session_state["triage-text"] = last_incident_text(st.session_state.get("messages"))
text = st.text_area("事案の内容", key="triage-text", height=120, placeholder="例：委託先で52人分の予診票を紛失した")

# Suggestions are redone only when the text changes, so the officer's edits survive reruns.
digest = hashlib.sha256(text.encode()).hexdigest()
cache = st.session_state.setdefault("triage-suggestions", {})
if digest not in cache:
    cache.clear()
    with st.spinner("近い前例を探して、確認項目の提案を作っています…"):
        cache[digest] = suggest(text, nearest_precedents(text, engine.searcher))
suggestions = cache[digest]
if st.session_state.get("triage-digest") != digest:
    st.session_state["triage-digest"] = digest
    fill_from(suggestions)

st.subheader("確認項目")
st.caption("本文と近い前例からの提案を入れてあります。内容を確かめ、必要に応じて直してください。")
entity = st.radio("主体", ENTITIES, key="triage-entity", horizontal=True)
discovered = st.date_input("発覚日（事態を知った日）", value=dt.date.today(), key="triage-discovered")
for field in ("sensitive", "people", "improper", "financial", "ordinance"):
    if field == "people":
        st.number_input("本人の数（不明なら空欄）", min_value=0, step=1, value=None, key="triage-people")
    else:
        st.radio(QUESTIONS[field], TRI_VALUES, format_func=TRI_LABELS.get, key=f"triage-{field}", horizontal=True)
    st.caption(suggestion_caption(suggestions, field))
st.button("提案に戻す", on_click=fill_from, args=(suggestions,))

people = st.session_state["triage-people"]
checklist = Checklist(
    discovered=discovered,
    entity=entity,
    people=None if people is None else int(people),
    **{f: st.session_state[f"triage-{f}"] for f in QUESTIONS},
)
result = assess(checklist)
precedents = same_category_precedents(engine.corpus.incidents, result.categories, suggestions.precedent_ids)
report = build_report(text, result, precedents, labels=engine.corpus.labels, suggestions=suggestions)
show_result(report)
offer_downloads(report)
st.caption(md(DISCLAIMER))
