"""The password gate: with ZENREI_PASSWORD set, nothing of the page shows until it is given,
and nothing is uploaded or downloaded before it either (a real server, loopback only)."""

import http.client
import http.cookiejar
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO
from streamlit.proto.TextInput_pb2 import TextInput as TextInputProto
from streamlit.testing.v1 import AppTest

SECRET = "前例-2025-secret"


def _page():
    import streamlit as st

    from ui.gate import require_password

    require_password()
    st.markdown("前例の画面です")


@pytest.fixture
def page(monkeypatch):
    # As under serve.py; AppTest has no server, so the server side of the gate is not there.
    monkeypatch.setattr("ui.gate_server.PASSED.guarded", True)
    return AppTest.from_function(_page, default_timeout=30)


def _shown(at):
    return [m.value for m in at.markdown]


def test_without_a_password_set_the_page_opens_directly(page, monkeypatch):
    monkeypatch.delenv("ZENREI_PASSWORD", raising=False)
    page.run()
    assert not page.exception
    assert _shown(page) == ["前例の画面です"]
    assert len(page.text_input) == 0


def test_with_a_password_set_the_page_asks_for_it_and_shows_nothing_else(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    assert not page.exception
    assert "前例の画面です" not in _shown(page)
    assert page.text_input[0].proto.type == TextInputProto.PASSWORD  # typed characters hidden
    assert "パスワード" in page.text_input[0].label


def test_a_wrong_password_is_refused_with_a_message(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    page.text_input[0].input("guess").run()
    assert "前例の画面です" not in _shown(page)
    assert "パスワードが違います" in page.error[0].value


def test_a_prefix_of_the_password_is_not_enough(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    page.text_input[0].input(SECRET[:-1]).run()
    assert "前例の画面です" not in _shown(page)


def test_the_right_password_opens_the_page_and_the_field_goes_away(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    page.text_input[0].input(SECRET).run()
    assert not page.exception
    assert _shown(page) == ["前例の画面です"]
    assert len(page.text_input) == 0
    assert SECRET not in [str(v) for v in page.session_state.values()]


def test_once_in_the_page_stays_open_for_the_session(page, monkeypatch):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    page.text_input[0].input(SECRET).run()
    page.run()
    assert _shown(page) == ["前例の画面です"]


# ----------------------------------------------------------------------------- attempts


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("ui.gate._clock", lambda: now[0])
    return now


def _errors(at):
    return [e.value for e in at.error]


def test_three_wrong_passwords_are_free_then_each_try_waits_longer(page, monkeypatch, clock):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    for guess in ("a", "b"):
        page.text_input[0].input(guess).run()
        assert "もう一度入力してください" in _errors(page)[0]
    page.text_input[0].input("c").run()  # the third: from now on, a wait before each try
    assert "2秒お待ちください" in _errors(page)[0]
    page.text_input[0].input(SECRET).run()  # even the right one is not looked at while waiting
    assert "前例の画面です" not in _shown(page) and "待ってから入力してください" in _errors(page)[0]
    clock[0] += 2.5
    page.text_input[0].input("d").run()
    assert "4秒お待ちください" in _errors(page)[0]
    clock[0] += 4.5
    page.text_input[0].input(SECRET).run()
    assert _shown(page) == ["前例の画面です"] and not page.error


def test_the_wait_doubles_up_to_a_minute():
    from ui.gate import wait_after

    assert [wait_after(n) for n in range(1, 10)] == [0, 0, 2, 4, 8, 16, 32, 60, 60]


def test_the_field_is_emptied_after_every_try_so_no_password_stays_in_the_session(page, monkeypatch, clock):
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    page.text_input[0].input("wrong-guess").run()
    assert page.text_input[0].value == ""
    assert "wrong-guess" not in [str(v) for v in page.session_state.values()]


def test_started_without_serve_py_a_page_with_a_password_refuses_to_open(page, monkeypatch):
    """`streamlit run app.py` has no server-side gate: its uploads would take anyone's bytes."""
    monkeypatch.setattr("ui.gate_server.PASSED.guarded", False)
    monkeypatch.setenv("ZENREI_PASSWORD", SECRET)
    page.run()
    assert "serve.py" in _errors(page)[0]
    assert len(page.text_input) == 0 and "前例の画面です" not in _shown(page)


def test_serve_py_installs_the_server_side_gate():
    import ast

    tree = ast.parse((REPO / "serve.py").read_text(encoding="utf-8"))
    calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert {"st.App", "Middleware"} <= calls and "GateMiddleware" in (REPO / "serve.py").read_text()


# ----------------------------------------------------------------------------- a real server

_TEST_PAGE = """
import streamlit as st
from ui.gate import require_password

require_password()
uploaded = st.file_uploader("ファイル", key="upload")
if uploaded is not None:
    st.markdown(f"受け取り {len(uploaded.getvalue())} バイト")
st.download_button("会話を保存", b"TRANSCRIPT-ZP-4711", file_name="会話.md")
"""
_TEST_SERVER = """
import streamlit as st
from starlette.middleware import Middleware
from ui.gate_server import GateMiddleware

app = st.App("page.py", middleware=[Middleware(GateMiddleware)])
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


class Server:
    """`streamlit run <script>` on 127.0.0.1 and a free port, with the password set."""

    def __init__(self, folder: Path, script: str, home: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ZENREI_PASSWORD": SECRET, "ZENREI_HOME": str(home), "PYTHONPATH": str(REPO)}
        env.pop("ZENREI_AUDIT_LOG", None)
        command = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(self.port),
                   "--server.address", "127.0.0.1", "--server.headless", "true",
                   "--browser.gatherUsageStats", "false"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/_stcore/health", timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise AssertionError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Browser:
    """One browser: its XSRF cookie (as Streamlit sets it) and one websocket session."""

    def __init__(self, server: Server):
        from websockets.sync.client import connect

        self.server = server
        jar = http.cookiejar.CookieJar()
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)).open(server.base + "/_stcore/health")
        self.xsrf = next(c.value for c in jar if c.name == "_streamlit_xsrf")
        # Entered by hand: the socket lives as long as this Browser (closed in close()).
        self.socket = connect(
            f"ws://127.0.0.1:{server.port}/_stcore/stream",
            subprotocols=["streamlit", self.xsrf],
            additional_headers={"Origin": server.base, "Cookie": f"_streamlit_xsrf={self.xsrf}"},
            max_size=None,
        ).__enter__()
        self.raw: list[bytes] = []
        self.session_id = ""

    def run(self, widgets: dict[str, str] | None = None) -> list:
        """One script run (with these text widget values); its ForwardMsgs."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        back = BackMsg()
        back.rerun_script.query_string = ""
        for widget_id, value in (widgets or {}).items():
            state = back.rerun_script.widget_states.widgets.add()
            state.id, state.string_value = widget_id, value
        self.socket.send(back.SerializeToString())
        received = []
        while True:
            data = self.socket.recv(timeout=60)
            self.raw.append(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            received.append(msg)
            if msg.WhichOneof("type") == "new_session":
                self.session_id = msg.new_session.initialize.session_id
            if msg.WhichOneof("type") == "script_finished":
                return received

    @staticmethod
    def elements(messages, kind: str) -> list:
        return [
            getattr(m.delta.new_element, kind)
            for m in messages
            if m.WhichOneof("type") == "delta" and m.delta.new_element.WhichOneof("type") == kind
        ]

    def log_in(self) -> list:
        (field,) = self.elements(self.run(), "text_input")
        return self.run({field.id: SECRET})

    def request(self, method: str, path: str, body: bytes | None = None, headers=None, cookie=True):
        headers = dict(headers or {})
        if cookie:
            headers["Cookie"] = f"_streamlit_xsrf={self.xsrf}"
        request = urllib.request.Request(self.server.base + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def upload(self, size: int, file_id: str = "f1"):
        boundary = "zenrei-test-boundary"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode() + b"a" * size + f"\r\n--{boundary}--\r\n".encode()
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": self.xsrf,
            "Cookie": f"_streamlit_xsrf={self.xsrf}",
        }
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            try:
                connection.request("PUT", f"/_stcore/upload_file/{self.session_id}/{file_id}", body, headers)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the body was read: the answer is already there
            return connection.getresponse().status
        finally:
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture(scope="module")
def test_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gated-page")
    (folder / "page.py").write_text(_TEST_PAGE, encoding="utf-8")
    (folder / "serve.py").write_text(_TEST_SERVER, encoding="utf-8")
    server = Server(folder, "serve.py", folder / "home")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def zenrei_server(tmp_path_factory):
    """The product itself: `streamlit run serve.py` in the repository (only the gate is reached)."""
    server = Server(REPO, "serve.py", tmp_path_factory.mktemp("zenrei-home"))
    yield server
    server.stop()


def test_zenrei_refuses_uploads_before_the_password_and_keeps_no_bytes(zenrei_server):
    browser = Browser(zenrei_server)
    browser.run()
    assert browser.session_id
    before = _rss_kb(zenrei_server.process.pid)
    codes = [browser.upload(4 * 1024 * 1024, file_id=f"f{i}") for i in range(8)]  # 32 MB in all
    grown_mb = (_rss_kb(zenrei_server.process.pid) - before) / 1024
    browser.close()
    assert codes == [403] * 8
    assert grown_mb < 16, f"the server grew by {grown_mb:.0f} MB: refused uploads were kept"


def test_zenrei_never_sends_the_path_of_its_script(zenrei_server):
    browser = Browser(zenrei_server)
    messages = browser.run()
    browser.close()
    (new_session,) = [m.new_session for m in messages if m.WhichOneof("type") == "new_session"]
    assert new_session.main_script_path == "app.py"
    assert not [data for data in browser.raw if str(REPO).encode() in data]
    assert Browser.elements(messages, "text_input")  # it is the gate that was shown


def test_after_the_password_the_session_uploads_as_usual(test_server):
    browser = Browser(test_server)
    assert Browser.elements(browser.log_in(), "file_uploader")
    assert browser.upload(1000) == 204
    browser.close()


def test_an_upload_for_a_session_still_at_the_gate_is_refused(test_server):
    passed, waiting = Browser(test_server), Browser(test_server)
    passed.log_in()
    waiting.run()
    waiting.xsrf = passed.xsrf  # even with a valid XSRF pair, the session is what counts
    assert waiting.upload(1000) == 403
    passed.close()
    waiting.close()


def test_downloads_go_only_to_the_browser_that_gave_the_password(test_server):
    browser = Browser(test_server)
    (button,) = Browser.elements(browser.log_in(), "download_button")
    assert browser.request("GET", button.url) == (200, b"TRANSCRIPT-ZP-4711")
    stranger = Browser(test_server)  # another browser on the LAN, never logged in
    assert stranger.request("GET", button.url)[0] == 403
    assert browser.request("GET", button.url, cookie=False)[0] == 403  # a bare URL, e.g. from a proxy log
    stranger.close()
    browser.close()
    time.sleep(1)  # the session ends with its websocket …
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and browser.request("GET", button.url)[0] == 200:
        time.sleep(0.5)
    assert browser.request("GET", button.url)[0] in (403, 404)  # … and its downloads with it


# ----------------------------------------------------------------------------- a real browser

CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian の chromium がありません (apt-get install chromium)")
def test_in_a_real_browser_the_password_opens_uploads_and_downloads(test_server, tmp_path):
    """The gate's server side keys on what a real browser sends: its XSRF cookie on the websocket
    and on the download, the session id in the upload URL."""
    from playwright.sync_api import sync_playwright

    sample = tmp_path / "事案.csv"
    sample.write_bytes(b"x" * 1234)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"], headless=True
        )
        try:
            page = chromium.new_page(accept_downloads=True)
            page.goto(test_server.base, wait_until="domcontentloaded")
            field = page.locator("input[type=password]")
            field.fill("guess")
            field.press("Enter")
            page.get_by_text("パスワードが違います").wait_for(timeout=30_000)
            field.fill(SECRET)
            field.press("Enter")
            page.get_by_text("会話を保存").wait_for(timeout=30_000)
            page.locator("input[type=file]").set_input_files(str(sample))
            page.get_by_text("受け取り 1234 バイト").wait_for(timeout=30_000)
            with page.expect_download(timeout=30_000) as download:
                page.get_by_text("会話を保存").click()
            assert Path(download.value.path()).read_bytes() == b"TRANSCRIPT-ZP-4711"
        finally:
            chromium.close()
