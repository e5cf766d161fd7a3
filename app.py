"""Zenrei's Streamlit entry point: `streamlit run app.py`. Only the list of pages lives here."""

import streamlit as st

from ui.engine import load_model_in_background
from ui.gate import require_password

# Material icons ship with Streamlit's own font: they render offline where emoji fonts are missing.
st.set_page_config(page_title="Zenrei（前例）", page_icon=":material/menu_book:", layout="wide")
require_password()  # a no-op unless ZENREI_PASSWORD is set (LAN use; see README)

PAGES = [
    st.Page("ui/chat.py", title="前例を探す", icon=":material/forum:", default=True),
    st.Page("ui/draft.py", title="再発防止策の起案", icon=":material/edit_note:"),
    st.Page("ui/triage.py", title="報告要否の確認", icon=":material/gavel:"),
    st.Page("ui/browse.py", title="事案を一覧で見る", icon=":material/table_view:"),
    st.Page("ui/training.py", title="あなたならどうする？（研修）", icon=":material/school:"),
    st.Page("ui/data.py", title="データの管理", icon=":material/database:"),
]

st.navigation(PAGES).run()
load_model_in_background()  # after the page is drawn: its first paint never waits for torch
