"""The real page in a real browser: `streamlit run app.py` driven by Playwright in Debian's Chromium.

One server for the module (seed + a hostile table, the real default model, a private
ZENREI_HOME); each test opens its own browser page, so its own Streamlit session. Screenshots
go to each test's tmp_path; the last one is also copied to bench/out/browser-last.png.
Skipped only when Chromium is not installed (`apt-get install chromium chromium-driver
fonts-noto-cjk`; .ci/run installs it).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, SEED

from data import read_table

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.real_model,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian の chromium がありません (apt-get install chromium chromium-driver fonts-noto-cjk)",
    ),
]

# Without the networking flags Chromium keeps trying to reach Google's hosts, which this
# offline machine refuses (../shared/notes/browser-testing.md).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_SECONDS = 240  # the first page load also builds the index with the real model
LAST_SCREENSHOT = REPO / "bench" / "out" / "browser-last.png"

QUESTION = "封筒に別の人の受給者証を入れて送ってしまった"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[link](javascript:alert(1))"
HOSTILE_QUESTION = f"悪意表示テスト {SCRIPT}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_hostile_table(folder: Path) -> Path:
    """A CSV whose every kind of cell tries to run script or smuggle a link into the page."""
    path = folder / "hostile.csv"
    rows = [
        ["id", "年度", "事案の内容", "類型", "再発防止策", "body", "source_url"],
        ["X-1", "R6", f"悪意表示テスト一 {SCRIPT} 封筒の誤封入 {LINK}", "要配慮", f"{IMG} 封入時に確認する。",
         SCRIPT, "javascript:alert(1)"],
        ["X-2", "R6", f"悪意表示テスト二 {IMG} 宛名の誤り {LINK}", "100人以上", f"{LINK} 宛名を確認する。", IMG, LINK],
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    # The table's label comes from a catalog beside it: data too, so hostile too.
    (folder / "sources.json").write_text(json.dumps({"hostile.csv": f"{IMG} {LINK}"}), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Server:
    url: str
    home: Path  # its ZENREI_HOME
    log: Path  # everything it printed


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_model_dir):
    """`streamlit run app.py` on a free port; stopped after the module, whatever happened."""
    root = tmp_path_factory.mktemp("browser-server")
    hostile = _write_hostile_table(root)
    port = _free_port()
    env = {
        **os.environ,
        "ZENREI_HOME": str(root / "home"),
        "ZENREI_DATA": os.pathsep.join([str(SEED), str(hostile)]),
        "ZENREI_MODEL": str(real_model_dir),
        "HF_HUB_OFFLINE": "1",
    }
    for optional in ("ZENREI_PASSWORD", "ZENREI_AUDIT_LOG"):  # no gate, and no log that may keep questions
        env.pop(optional, None)
    log = (root / "server.log").open("w", encoding="utf-8")
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
               "--server.address=127.0.0.1", f"--server.port={port}"]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, process, root / "server.log")
        yield Server(url, root / "home", root / "server.log")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        log.close()


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text(encoding='utf-8')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"streamlit not healthy after {SERVER_START_SECONDS} s:\n{log.read_text(encoding='utf-8')[-3000:]}")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class ChatPage:
    """The chat page in one browser tab, with the alerts it fired and its screenshots."""

    def __init__(self, page, out: Path):
        self.page = page
        self.out = out
        self.dialogs: list[str] = []
        self.shots: list[Path] = []
        page.on("dialog", self._on_dialog)  # alert(), confirm(), prompt(): none may ever open

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, url: str) -> ChatPage:
        self.page.goto(url, wait_until="domcontentloaded")  # networkidle hangs on the websocket
        self.page.get_by_test_id("stChatInputTextArea").wait_for(timeout=SERVER_START_SECONDS * 1000)
        return self

    def messages(self):
        return self.page.get_by_test_id("stChatMessage")

    def ask(self, question: str) -> str:
        """Type the question, press Enter, and return the text of the answer it gets."""
        before = self.messages().count()
        box = self.page.get_by_test_id("stChatInputTextArea")
        box.fill(question)
        box.press("Enter")
        answer = self.messages().nth(before + 1)
        summary = answer.get_by_text(re.compile("前例を[0-9]+件見つけました|前例は見つかりませんでした")).first
        summary.wait_for(timeout=120_000)
        found = re.search("([0-9]+)件", summary.inner_text())
        expected = int(found.group(1)) if found else 0
        # Cards arrive one by one after the summary: wait until as many as it announces are drawn.
        deadline = time.monotonic() + 60
        while len(_case_ids(answer.inner_text())) < expected and time.monotonic() < deadline:
            self.page.wait_for_timeout(200)
        self.wait_until_idle()
        # A card's badges can be drawn just after its id: wait until the answer stops changing.
        text, deadline = answer.inner_text(), time.monotonic() + 30
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(400)
            again = answer.inner_text()
            if again == text:
                break
            text = again
        return text

    def wait_until_idle(self) -> None:
        # While a script run is in progress the header shows a status widget ("Stop").
        self.page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=120_000)

    def choose_category(self, category: str) -> None:
        label = self.page.get_by_test_id("stWidgetLabel").get_by_text("類型", exact=True)
        box = self.page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has=label)
        box.click()
        self.page.keyboard.type(category)
        self.page.get_by_role("option", name=category).first.click()
        self.page.keyboard.press("Escape")
        box.get_by_text(category).first.wait_for()
        self.page.wait_for_timeout(300)  # the rerun the selection triggers starts…
        self.wait_until_idle()  # …and ends

    def screenshot(self, name: str) -> Path:
        """The whole conversation: the page scrolls inside <main>, so grow the window to fit it."""
        path = self.out / f"{len(self.shots) + 1:02d}-{name}.png"
        height = self.page.get_by_test_id("stAppScrollToBottomContainer").evaluate("main => main.scrollHeight")
        self.page.set_viewport_size({"width": 1400, "height": min(int(height) + 300, 8000)})
        self.page.wait_for_timeout(300)  # relayout
        self.page.screenshot(path=str(path))
        self.page.set_viewport_size({"width": 1400, "height": 1000})
        self.shots.append(path)
        return path


@pytest.fixture
def chat(browser, server, tmp_path, capsys):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
    started = time.monotonic()
    page = ChatPage(context.new_page(), tmp_path)
    try:
        yield page.open(server.url)
    finally:
        if page.shots:
            LAST_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page.shots[-1], LAST_SCREENSHOT)
            with capsys.disabled():
                print(f"\nscreenshots: {tmp_path} (last: {LAST_SCREENSHOT}); "
                      f"browser time {time.monotonic() - started:.1f} s")  # fmt: skip
        context.close()


def _case_ids(answer_text: str) -> list[str]:
    return re.findall(r"\d+\. 事案 (\S+)", answer_text)


def test_a_question_gets_case_cards_and_the_category_filter_narrows_them(chat):
    first = chat.ask(QUESTION)
    chat.screenshot("first-answer")
    ids = _case_ids(first)
    assert len(ids) == 5
    assert {"12", "19"} & set(ids), f"expected a seed mis-enclosure case among {ids}"
    assert "再発防止策" in first and "出典" in first

    chat.choose_category("不正目的")
    second = chat.ask(QUESTION)
    chat.screenshot("filtered-answer")
    fraud = {inc.id for inc in read_table(SEED).incidents if "不正目的" in inc.categories}
    assert sorted(_case_ids(second)) == sorted(fraud)  # only, and all of, the 不正目的 cases
    assert second.count("不正目的") >= len(fraud)
    assert chat.dialogs == []


def test_hostile_table_cells_and_questions_are_shown_as_text_and_never_run(chat):
    answer = chat.ask(HOSTILE_QUESTION)
    chat.screenshot("hostile-answer")
    assert {"X-1", "X-2"} <= set(_case_ids(answer))
    page = chat.page
    shown = page.locator("body").inner_text()
    assert HOSTILE_QUESTION in shown  # the question, echoed literally
    assert SCRIPT in shown and IMG in shown and LINK in shown  # table cells, literally
    page.wait_for_timeout(1000)  # an onerror handler fires after the image fails to load
    assert chat.dialogs == []
    executable = page.evaluate(
        """() => ({
            scripts: [...document.scripts].filter(s => s.textContent.includes('alert(1)')).length,
            images: document.querySelectorAll('img[src="x"], [onerror]').length,
            links: [...document.querySelectorAll('a[href]')].filter(a => /^\\s*javascript:/i.test(a.href)).length,
        })"""
    )
    assert executable == {"scripts": 0, "images": 0, "links": 0}


def test_a_hostile_table_label_in_the_sidebar_is_shown_as_text(chat):
    sidebar = chat.page.get_by_test_id("stSidebar")
    assert f"{IMG} {LINK}" in sidebar.inner_text()
    # The sidebar's only links are the page navigation; the label made none.
    links = sidebar.locator("a")
    assert all(links.nth(i).inner_text().strip() != "link" for i in range(links.count()))
    assert sidebar.locator("a[href^='javascript']").count() == 0


def test_the_server_keeps_no_trace_of_the_questions_asked(server):
    # Runs after the tests above have asked their questions in this server.
    assert any(server.home.rglob("manifest.json")), "the index should be saved under ZENREI_HOME"
    for question in (QUESTION, HOSTILE_QUESTION):
        for path in [server.log, *server.home.rglob("*")]:
            if path.is_file():
                assert question.encode("utf-8") not in path.read_bytes(), f"{question} kept in {path}"
