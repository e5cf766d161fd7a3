"""How an answer and its case cards look. Every value from data or the user is escaped."""

import re

import streamlit as st

from assistant.answer import Answer
from assistant.render import escape_markdown as md
from data.years import display_year
from index.searcher import Hit

# Only plain web addresses become links: a cell could hold javascript: or data: URLs.
_SAFE_URL = re.compile(r"https?://[^\s()<>\[\]\\]+")


def source_line(hit: Hit, label: str | None = None) -> str:
    """'出典: <table label> · <body> · file:line', escaped; the body's page linked when safe."""
    inc = hit.incident
    parts = [md(label)] if label else []
    body = inc.metadata.get("body", "").strip()
    url = inc.metadata.get("source_url", "").strip()
    if body:
        parts.append(f"[{md(body)}]({url})" if _SAFE_URL.fullmatch(url) else md(body))
    parts.append(md(inc.citation))
    return "出典: " + " · ".join(parts)


def case_card(hit: Hit, label: str | None = None) -> None:
    inc = hit.incident
    with st.container(border=True):
        year = md(display_year(inc.fiscal_year))
        # Cases listed by filters alone were not compared with anything: no similarity to show.
        similarity = f"　類似度 {hit.similarity:.2f}" if hit.similarity else ""
        st.markdown(f"**{hit.rank}. 事案 {md(inc.id)}**　{year}{similarity}")
        badges = st.container(horizontal=True)
        for category in inc.categories:
            badges.badge(md(category), color="orange")
        st.markdown(md(inc.description))
        st.markdown("**再発防止策**")
        st.markdown("\n".join(f"- {md(m)}" for m in inc.measures) or "（記載なし）")
        st.caption(source_line(hit, label))


def show_answer(result: Answer, labels: dict[str, str] | None = None) -> None:
    for notice in result.notices:
        st.info(notice)
    st.markdown(md(result.summary))
    if result.measures:
        # 「防止策だけまとめて」: the measures, each cited to the cases that used it.
        lines = [f"- {md(line.text)}　〔事案 {md('、'.join(line.incident_ids))}〕" for line in result.measures]
        st.markdown("\n".join(lines))
        return
    for hit in result.hits:
        case_card(hit, (labels or {}).get(hit.incident.source))
