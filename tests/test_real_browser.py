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
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from chromium import CHROMIUM_FLAGS, is_healthy
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

SERVER_START_SECONDS = 240  # the first page load also builds the index with the real model
LAST_SCREENSHOT = REPO / "bench" / "out" / "browser-last.png"

QUESTION = "封筒に別の人の受給者証を入れて送ってしまった"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[link](javascript:alert(1))"
HOSTILE_QUESTION = f"悪意表示テスト {SCRIPT}"
# A table label made from a file name (#12): an image that would be fetched, a colour, bold.
FILE_NAME_LABEL = "本市![e](http://203.0.113.9/e.png) :red[赤] __太__"
PLAIN_URL = "https://example.org/report.html"
WORD_JOINER = "\u2060"  # what the page puts inside a bare address so that it is not a link


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_hostile_table(folder: Path) -> Path:
    """A CSV whose every kind of cell tries to run script or smuggle a link into the page."""
    path = folder / "hostile.csv"
    rows = [
        ["id", "年度", "事案の内容", "類型", "再発防止策", "body", "source_url"],
        ["X-1", "R6", f"悪意表示テスト一 {SCRIPT} 封筒の誤封入 {LINK} 詳細は {PLAIN_URL} を参照", "要配慮",
         f"{IMG} 封入時に確認する。", SCRIPT, "javascript:alert(1)"],
        ["X-2", "R6", f"悪意表示テスト二 {IMG} 宛名の誤り {LINK}", "100人以上", f"{LINK} 宛名を確認する。", IMG, LINK],
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    # The table's label comes from a catalog beside it: data too, so hostile too.
    label = f"{IMG} {LINK} {FILE_NAME_LABEL}"
    (folder / "sources.json").write_text(json.dumps({"hostile.csv": label}), encoding="utf-8")
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
        if is_healthy(url):
            return
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


# Every spinner text the page shows, with when it appeared, and whether Streamlit's English
# "Stop" was ever visible: collected in the page from its first script on.
WATCH_SPINNERS = """
window.zenreiSpinners = []; window.zenreiStopSeen = false;
new MutationObserver(() => {
  for (const s of document.querySelectorAll('[data-testid="stSpinner"]')) {
    const text = s.innerText.trim();
    if (text && !window.zenreiSpinners.some(x => x.text === text && performance.now() - x.at < 2000))
      window.zenreiSpinners.push({text, at: performance.now()});
  }
  const widget = document.querySelector('[data-testid="stStatusWidget"]');
  if (widget && widget.innerText.includes('Stop') && widget.offsetParent !== null) window.zenreiStopSeen = true;
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


class ChatPage:
    """The chat page in one browser tab, with the alerts it fired, every request it made to a
    host other than the server, and its screenshots."""

    def __init__(self, page, out: Path, server_url: str = ""):
        self.page = page
        self.out = out
        self.dialogs: list[str] = []
        self.shots: list[Path] = []
        self.outside: list[str] = []  # requests to any host but the server's: none allowed
        self.steps: list[tuple[str, float, float]] = []  # (what was asked, start, end) in page time (ms)
        self._server = urllib.parse.urlsplit(server_url).netloc
        page.on("dialog", self._on_dialog)  # alert(), confirm(), prompt(): none may ever open
        page.on("request", self._on_request)

    def _on_request(self, request) -> None:
        parts = urllib.parse.urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return  # made in the page itself
        if parts.netloc != self._server:
            self.outside.append(request.url)

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
        started = self.page.evaluate("performance.now()")
        box.press("Enter")
        answer = self.messages().nth(before + 1)
        pattern = "前例を[0-9]+件見つけました|前例は見つかりませんでした|項目に整理しました|記載がありません"
        summary = answer.get_by_text(re.compile(pattern)).first
        summary.wait_for(timeout=120_000)
        self.steps.append((question, started, self.page.evaluate("performance.now()")))
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
        # The app root says whether a script run is in progress (the status widget is hidden).
        self.page.wait_for_function(
            "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'",
            timeout=120_000,
        )

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
    context.add_init_script(WATCH_SPINNERS)
    started = time.monotonic()
    page = ChatPage(context.new_page(), tmp_path, server.url)
    try:
        yield page.open(server.url)
        assert page.outside == [], f"the page asked hosts other than its server: {page.outside}"
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


def test_the_page_asks_nothing_of_any_host_but_its_server(chat):
    chat.ask(QUESTION)
    pages = ("再発防止策の起案", "報告要否の確認", "事案を一覧で見る", "あなたならどうする？（研修）", "データの管理")
    for name in pages:
        chat.page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
        chat.page.get_by_role("heading").first.wait_for()
        chat.page.wait_for_timeout(300)
        chat.wait_until_idle()
    chat.page.get_by_test_id("stSidebarNav").get_by_text("前例を探す", exact=True).click()
    chat.page.get_by_test_id("stChatInputTextArea").wait_for()
    chat.wait_until_idle()
    assert chat.outside == []  # favicon, fonts and icons included: all from the server
    # Nor does the page name another host for the browser to fetch later: no image, script,
    # style sheet or icon link anywhere but the server.
    foreign = chat.page.evaluate(
        """() => [...document.querySelectorAll('img[src], script[src], link[href], iframe[src]')]
            .map(e => e.src || e.href).filter(u => u && !u.startsWith(location.origin) && !u.startsWith('data:'))"""
    )
    assert foreign == []


def test_no_rendered_answer_shows_markdown_asterisks(chat):
    # 「メール」「送信」 and 「不正」「アクセス」 are highlighted side by side in the cases.
    for question in ("メールを送信した後で不正アクセスを受けた", QUESTION):
        answer = chat.ask(question)
        assert "**" not in answer
        assert "\\" not in answer  # no escape shows either
    chat.screenshot("no-asterisks")


def test_a_hostile_file_name_label_renders_literally_and_fetches_nothing(chat):
    answer = chat.ask(HOSTILE_QUESTION)
    assert "X-1" in _case_ids(answer)
    # A bare address inside a cell is text, not a link the browser could follow.
    assert PLAIN_URL in answer.replace(WORD_JOINER, "")
    assert chat.page.locator("a[href*='example.org']").count() == 0
    chat.ask("本市だけ")  # a source chip: its label joins the labels of the tables, the hostile one too
    chip = chat.page.get_by_role("button", name=re.compile("✕ "))
    chip.first.wait_for()
    shown = chip.first.inner_text().replace(WORD_JOINER, "")
    assert FILE_NAME_LABEL in shown  # as written: no image, no colour, no bold
    html = chip.first.inner_html()
    assert "<img" not in html and "<strong" not in html and "color" not in html.lower()
    page = chat.page
    assert page.locator("img[src*='203.0.113.9']").count() == 0
    assert page.locator("a[href*='example.org']").count() == 0
    assert not any("203.0.113.9" in url for url in chat.outside)
    chat.screenshot("hostile-file-name")


def test_slow_steps_show_a_japanese_spinner_and_no_english_stop(chat):
    chat.ask(QUESTION)
    chat.ask("防止策だけまとめて")
    spinners = chat.page.evaluate("window.zenreiSpinners")
    slow = [(q, start, end) for q, start, end in chat.steps if end - start > 1500]
    for question, start, end in slow:  # each answer that took over 1.5 s showed what it was doing
        during = [s["text"] for s in spinners if start <= s["at"] <= end]
        assert during, f"no spinner while answering {question!r} ({(end - start) / 1000:.1f} s)"
        assert all(re.search("[ぁ-んァ-ン一-龥]", text) for text in during), during
    assert all("Running" not in s["text"] for s in spinners)
    assert not chat.page.evaluate("window.zenreiStopSeen")


def test_the_server_keeps_no_trace_of_the_questions_asked(server):
    # Runs after the tests above have asked their questions in this server.
    assert any(server.home.rglob("manifest.json")), "the index should be saved under ZENREI_HOME"
    for question in (QUESTION, HOSTILE_QUESTION):
        for path in [server.log, *server.home.rglob("*")]:
            if path.is_file():
                assert question.encode("utf-8") not in path.read_bytes(), f"{question} kept in {path}"
