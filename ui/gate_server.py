"""The password gate on the HTTP side: uploads and downloads only for sessions that passed it.

The page's gate (ui/gate.py) stops the script until the password is given, but Streamlit also
serves two routes that never run the script: `PUT /_stcore/upload_file/<session>/<file>` keeps the
bytes of any live session in memory, and `/media/<file>` sends a download to anyone with its URL.
This ASGI middleware, installed by serve.py through Streamlit's supported `st.App(middleware=…)`,
refuses both (403, the body never read) unless the session, or the browser, passed the gate:

- an upload must name a session that gave the password;
- a download must come from a browser (its XSRF cookie, which Streamlit sets for every page and
  checks on the websocket) that gave the password in a session still open.

It also removes the absolute path of app.py from the websocket's `new_session` message (the
browser uses it only as a salt for an anonymous app id; the file name is enough).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from assistant.settings import REPO_ROOT, Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

XSRF_COOKIE = "_streamlit_xsrf"  # streamlit.web.server.starlette.starlette_server_config.XSRF_COOKIE_NAME
_UPLOAD = re.compile(r"/_stcore/upload_file/([^/]+)/")
_MEDIA = re.compile(r"/media/")


def _xsrf_token(cookie: str | None) -> bytes | None:
    """The token inside an XSRF cookie; the cookie's text changes (a new mask) on every page load."""
    if not cookie:
        return None
    from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string

    token, _ = decode_xsrf_token_string(cookie)
    return token or None


def _session_is_open(session_id: str) -> bool:
    from streamlit.runtime import Runtime

    return Runtime.exists() and Runtime.instance().is_active_session(session_id)


class PassedSessions:
    """Sessions that gave the password, each with its browser's XSRF token (thread-safe).

    Process state by nature, like Streamlit's own session table: the page's script threads write
    it, the server's event loop reads it. Sessions that have closed are dropped as others arrive.
    """

    def __init__(self, is_open: Callable[[str], bool] = _session_is_open):
        self._is_open = is_open
        self._lock = threading.Lock()
        self._tokens: dict[str, bytes | None] = {}
        self.guarded = False  # True once GateMiddleware serves this process

    def admit(self, session_id: str, xsrf_cookie: str | None) -> None:
        token = _xsrf_token(xsrf_cookie)
        with self._lock:
            self._tokens = {sid: tok for sid, tok in self._tokens.items() if self._is_open(sid)}
            self._tokens[session_id] = token

    def has_session(self, session_id: str) -> bool:
        with self._lock:
            known = session_id in self._tokens
        return known and self._is_open(session_id)

    def has_browser(self, xsrf_cookie: str | None) -> bool:
        token = _xsrf_token(xsrf_cookie)
        if token is None:
            return False
        with self._lock:
            sessions = [sid for sid, tok in self._tokens.items() if tok == token]
        return any(self._is_open(sid) for sid in sessions)


PASSED = PassedSessions()


def _cookie(scope: Scope, name: str) -> str | None:
    from starlette.requests import HTTPConnection

    return HTTPConnection(scope).cookies.get(name)


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def hide_script_path(data: bytes, script_dir: bytes) -> bytes:
    """A ForwardMsg with new_session.main_script_path cut to the file name; others unchanged.

    Parsed only when the bytes hold the app's folder, so large answers are not decoded twice.
    """
    if script_dir not in data:
        return data
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    try:
        msg.ParseFromString(data)
    except Exception:  # not a ForwardMsg: pass it on untouched
        return data
    if msg.WhichOneof("type") != "new_session" or not msg.new_session.main_script_path:
        return data
    msg.new_session.main_script_path = os.path.basename(msg.new_session.main_script_path)
    return msg.SerializeToString()


class GateMiddleware:
    """ASGI middleware: with ZENREI_PASSWORD set, uploads and media only after the gate."""

    def __init__(self, app: ASGIApp, passed: PassedSessions = PASSED, password: str | None = None):
        self.app = app
        self.passed = passed
        self.password_set = bool(Settings.from_env().password if password is None else password)
        passed.guarded = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self.app(scope, receive, self._without_script_path(send))
            return
        if scope["type"] == "http" and self.password_set:
            path = scope.get("path", "")
            upload = _UPLOAD.search(path)
            if upload and not self.passed.has_session(upload.group(1)):
                await _refuse(send, 403, "パスワードの入力が必要です (password required)")
                return
            if _MEDIA.match(self._relative(path)) and not self.passed.has_browser(_cookie(scope, XSRF_COOKIE)):
                await _refuse(send, 403, "パスワードの入力が必要です (password required)")
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _relative(path: str) -> str:
        """The path under server.baseUrlPath, if one is set."""
        from streamlit import config

        base = (config.get_option("server.baseUrlPath") or "").strip("/")
        return path[len(base) + 1 :] if base and path.startswith(f"/{base}/") else path

    @staticmethod
    def _script_dir() -> bytes:
        """The folder of the script `streamlit run` was given (serve.py, next to app.py)."""
        from streamlit import config

        main = getattr(config, "_main_script_path", "") or str(REPO_ROOT / "app.py")
        return os.path.dirname(os.path.abspath(main)).encode("utf-8")

    def _without_script_path(self, send: Send) -> Send:
        script_dir = self._script_dir()

        async def sending(message: Message) -> None:
            data = message.get("bytes")
            if message.get("type") == "websocket.send" and data:
                message = {**message, "bytes": hide_script_path(data, script_dir)}
            await send(message)

        return sending
