"""A shared password in front of every page, for serving Zenrei on an office LAN.

Off unless ZENREI_PASSWORD is set. It keeps casual visitors on the network out; it is not a
user system (one password for everyone, no accounts), and the connection is plain HTTP unless
a TLS proxy is put in front, so the README says to serve only on a trusted network.
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

PASSWORD_ENV = "ZENREI_PASSWORD"
_AUTHENTICATED = "zenrei_authenticated"
_FIELD = "zenrei_password"


def require_password() -> None:
    """Ask for ZENREI_PASSWORD and stop the page until it is given; do nothing when unset."""
    expected = os.environ.get(PASSWORD_ENV, "")
    if not expected or st.session_state.get(_AUTHENTICATED):
        return
    st.title("Zenrei（前例）")
    entered = st.text_input(
        "パスワードを入力してください (password)",
        type="password",
        key=_FIELD,
        help="管理者が設定したパスワードです。",
    )
    if entered:
        # Constant-time comparison, on bytes so non-ASCII passwords work too.
        if hmac.compare_digest(entered.encode("utf-8"), expected.encode("utf-8")):
            st.session_state[_AUTHENTICATED] = True
            # Rerun so the page is drawn without the field; Streamlit then drops the field's
            # value, so the password does not stay in the session.
            st.rerun()
        st.error("パスワードが違います。もう一度入力してください。")
    st.stop()
