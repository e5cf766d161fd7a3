"""Zenrei for an office LAN: `streamlit run serve.py` (or `uvicorn serve:app`).

The same page as app.py, served through Streamlit's st.App so that the password gate also
covers what the page's script never sees: file uploads and downloads (ui/gate_server.py).
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from ui.gate_server import GateMiddleware

# The page by its full path: `python -m assistant serve` may start from any working folder.
app = st.App(str(Path(__file__).resolve().with_name("app.py")), middleware=[Middleware(GateMiddleware)])
