"""Zenrei's Streamlit entry point: `streamlit run app.py`. Only the list of pages lives here."""

import streamlit as st

st.set_page_config(page_title="Zenrei（前例）", page_icon="📚", layout="wide")

PAGES = [
    st.Page("ui/chat.py", title="前例を探す", icon="💬", default=True),
    st.Page("ui/draft.py", title="再発防止策の起案", icon="📝"),
    st.Page("ui/triage.py", title="報告要否の確認", icon="⚖️"),
]

st.navigation(PAGES).run()
