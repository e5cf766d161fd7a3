"""Zenrei's Streamlit entry point: `streamlit run app.py`. Only the list of pages lives here."""

import streamlit as st

st.set_page_config(page_title="Zenrei（前例）", page_icon="📚", layout="wide")

PAGES = [
    st.Page("ui/chat.py", title="前例を探す", icon="💬", default=True),
]

st.navigation(PAGES).run()
