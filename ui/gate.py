"""A shared password in front of every page, for serving Zenrei on an office LAN.

Off unless ZENREI_PASSWORD is set. It keeps casual visitors on the network out; it is not a
user system (one password for everyone, no accounts), and the connection is plain HTTP unless
a TLS proxy is put in front, so the README says to serve only on a trusted network.

The script side of the gate: the form, a growing wait after repeated wrong passwords, and the
list of sessions that passed, which the server side (ui/gate_server.py, installed by serve.py)
checks before it accepts an upload or sends a download. Started without that server side
(`streamlit run app.py`), a page with a password refuses to open: its uploads would be unguarded.
"""

from __future__ import annotations

import hmac
import math
import time

import streamlit as st

from assistant.settings import Settings
from ui.gate_server import PASSED, XSRF_COOKIE

_AUTHENTICATED = "zenrei_authenticated"
_FIELD = "zenrei_password"
_FAILURES = "zenrei_password_failures"
_WAIT_UNTIL = "zenrei_password_wait_until"
_MESSAGE = "zenrei_password_message"

FREE_ATTEMPTS = 3  # wrong passwords allowed before each further try must wait
MAX_WAIT_SECONDS = 60.0

_clock = time.monotonic  # replaced in tests


def wait_after(failures: int) -> float:
    """Seconds before the next try after `failures` wrong passwords: 0, 0, then 2, 4, 8 … 60."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(2.0 ** (failures - FREE_ATTEMPTS + 1), MAX_WAIT_SECONDS)


def _attempt(expected: str) -> None:
    """on_change of the field: check, count, and clear the field (no password stays in the session)."""
    state = st.session_state
    entered = state.get(_FIELD, "")
    state[_FIELD] = ""
    if not entered:
        return
    waited = state.get(_WAIT_UNTIL, 0.0) - _clock()
    if waited > 0:
        seconds = math.ceil(waited)
        state[_MESSAGE] = f"続けて違っていたため、あと{seconds}秒待ってから入力してください (wait {seconds} s)。"
        return
    # Constant-time comparison, on bytes so non-ASCII passwords work too.
    if hmac.compare_digest(entered.encode("utf-8"), expected.encode("utf-8")):
        state[_AUTHENTICATED] = True
        for key in (_FAILURES, _WAIT_UNTIL, _MESSAGE):
            state.pop(key, None)
        return
    failures = state.get(_FAILURES, 0) + 1
    state[_FAILURES] = failures
    wait = wait_after(failures)
    state[_WAIT_UNTIL] = _clock() + wait
    later = f"次の入力まで{math.ceil(wait)}秒お待ちください。" if wait else "もう一度入力してください。"
    state[_MESSAGE] = f"パスワードが違います。{later}"


def _admit_this_session() -> None:
    """Tell the server side that this session (and its browser) may upload and download."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        PASSED.admit(ctx.session_id, st.context.cookies.get(XSRF_COOKIE))


def require_password() -> None:
    """Ask for ZENREI_PASSWORD and stop the page until it is given; do nothing when unset."""
    expected = Settings.from_env().password
    if not expected:
        return
    if not PASSED.guarded:
        st.error(
            "パスワードを設定したときは `streamlit run serve.py` で起動してください。"
            "この起動方法ではファイルのアップロードとダウンロードをパスワードで守れません。"
            " (With ZENREI_PASSWORD set, start Zenrei with `streamlit run serve.py`.)"
        )
        st.stop()
    if st.session_state.get(_AUTHENTICATED):
        _admit_this_session()  # every run: a reconnected session is admitted again
        return
    st.title("Zenrei（前例）")
    st.text_input(
        "パスワードを入力してください (password)",
        type="password",
        key=_FIELD,
        help="管理者が設定したパスワードです。",
        on_change=_attempt,
        args=(expected,),
    )
    if message := st.session_state.get(_MESSAGE):
        st.error(message)
    st.stop()
