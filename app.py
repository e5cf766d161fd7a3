"""Zenrei's Streamlit entry point: `streamlit run app.py`. Only the list of pages lives here."""

from pathlib import Path

import streamlit as st

# A PNG that ships with the page: a `:material/…:` page icon makes the browser fetch the
# favicon from fonts.gstatic.com, and nothing may leave the machine.
ICON = Path(__file__).resolve().parent / "ui" / "static" / "icon.png"
# Streamlit's menu (English, for developers) is not shown; "minimal" hides it as no items are set.
st.set_option("client.toolbarMode", "minimal")
st.set_page_config(page_title="Zenrei（前例）", page_icon=str(ICON), layout="wide")
# While a script runs Streamlit shows an English "Stop" button; the pages say in Japanese what
# they are doing instead (spinners and progress bars), so the button is hidden: before anything
# slow, even the app's own imports (a moment on the server's first run), or the first visitor
# sees "Stop" until the style arrives.
st.html("<style>[data-testid='stStatusWidget'] button { display: none; }</style>")

from ui.engine import load_model_in_background  # noqa: E402  (after the style: see above)
from ui.gate import require_password  # noqa: E402

require_password()  # a no-op unless ZENREI_PASSWORD is set (LAN use; see README)

# Navigation icons are glyphs of the Material Symbols font Streamlit serves itself: offline.
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
