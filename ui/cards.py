"""How an answer and its case cards look. Every value from data or the user is escaped."""

import streamlit as st

from assistant.answer import Answer
from assistant.render import escape_markdown as md
from data.years import display_year
from index.searcher import Hit


def case_card(hit: Hit) -> None:
    inc = hit.incident
    with st.container(border=True):
        year = md(display_year(inc.fiscal_year))
        st.markdown(f"**{hit.rank}. 事案 {md(inc.id)}**　{year}　類似度 {hit.similarity:.2f}")
        badges = st.container(horizontal=True)
        for category in inc.categories:
            badges.badge(md(category), color="orange")
        st.markdown(md(inc.description))
        st.markdown("**再発防止策**")
        st.markdown("\n".join(f"- {md(m)}" for m in inc.measures) or "（記載なし）")
        st.caption(f"出典: {md(inc.citation)}")


def show_answer(result: Answer) -> None:
    for notice in result.notices:
        st.info(notice)
    st.markdown(md(result.summary))
    for hit in result.hits:
        case_card(hit)
