"""The real pages in a real browser: `streamlit run app.py` driven by Playwright in Debian's Chromium.

One server for the module (seed + a hostile table, the real default model, a private
ZENREI_HOME); each test opens its own browser page, so its own Streamlit session. Every page
is opened through the navigation and its slow steps done as an officer does them; every test
fails on a request to any host but the server, on an English "Stop"/"Running", and a page test
on a slow step with no Japanese spinner, on Markdown asterisks in the page, and on a Word file
that is not A4 or cites a case by anything but its body (tests/docx_checks.py).

Screenshots (and the Word files downloaded) go to each test's tmp_path, or all to one folder:
`ZENREI_SCREENSHOTS=bench/out/screens pytest tests/test_real_browser.py`. The browser sees
fonts-noto-cjk as its only Japanese font (tests/chromium.py). The last screenshot is also
copied to bench/out/browser-last.png. Skipped only when Chromium is not installed (`apt-get
install chromium chromium-driver fonts-noto-cjk`; .ci/run installs it).
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
from chromium import CHROMIUM_FLAGS, is_healthy, noto_cjk_only_env
from conftest import REPO, SEED
from docx_checks import assert_a4_with_body_named_citations, assert_filed_word

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
SCREENSHOTS = "ZENREI_SCREENSHOTS"  # a folder for every test's screenshots (default: the test's tmp_path)
STEP_TIMEOUT_MS = 180_000  # a slow step on a busy 2-core machine: generous, it only bounds a hang
# Streamlit draws a spinner only once its block has run 0.5 s (streamlit/elements/spinner.py,
# DELAY_SECS): a quick step rightly shows none. A step whose script run the officer waited on
# for longer than this showed one, or the test fails.
SPINNER_DUE_MS = 1500
JAPANESE = re.compile("[ぁ-んァ-ン一-龥]")

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
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    fonts = noto_cjk_only_env(tmp_path_factory.mktemp("fonts"))  # what the screenshots show
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, env=fonts)
        try:
            yield chromium
        finally:
            chromium.close()


# Every spinner text the page shows, with when it appeared, and whether Streamlit's English
# "Stop" or "Running" was ever visible: collected in the page from its first script on.
WATCH_SPINNERS = """
window.zenreiSpinners = []; window.zenreiEnglishSeen = [];
new MutationObserver(() => {
  for (const s of document.querySelectorAll('[data-testid="stSpinner"]')) {
    const text = s.innerText.trim();
    if (text && !window.zenreiSpinners.some(x => x.text === text && performance.now() - x.at < 2000))
      window.zenreiSpinners.push({text, at: performance.now()});
  }
  const widget = document.querySelector('[data-testid="stStatusWidget"]');
  if (widget && widget.offsetParent !== null) {
    const english = widget.innerText.match(/Stop|Running/);
    if (english) window.zenreiEnglishSeen.push({text: widget.innerText, at: Math.round(performance.now())});
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
// Each script run, from when the page says it started to when it ended: an action waits for the
// run it starts (not for a sleep), and a long run is what must show a spinner.
window.zenreiRuns = 0; window.zenreiRunSpans = [];
new MutationObserver(records => {
  for (const r of records) {
    const running = r.target.dataset.testScriptState !== 'notRunning', was = r.oldValue && r.oldValue !== 'notRunning';
    if (running && !was) window.zenreiRunSpans.push({start: performance.now(), end: null});
    if (!running && was) {
      const last = window.zenreiRunSpans[window.zenreiRunSpans.length - 1];
      if (last) last.end = performance.now();
      window.zenreiRuns += 1;
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""


class AppPage:
    """The app in one browser tab, as an officer uses it: its pages opened from the navigation,
    its slow steps timed in page time, its downloads and screenshots; with the alerts it fired
    and every request it made to a host other than the server."""

    def __init__(self, page, out: Path, server_url: str = ""):
        self.page = page
        self.out = out
        self.dialogs: list[str] = []
        self.shots: list[Path] = []
        self.outside: list[str] = []  # requests to any host but the server's: none allowed
        self.steps: list[tuple[str, float, float]] = []  # (what was done, start, end) in page time (ms)
        self.no_spinner_due: set[str] = set()  # steps whose long run no page spinner can cover
        self.files: list[Path] = []  # what was downloaded, kept beside the screenshots
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

    def open(self, url: str) -> AppPage:
        self.page.goto(url, wait_until="domcontentloaded")  # networkidle hangs on the websocket
        self.page.get_by_test_id("stChatInputTextArea").wait_for(timeout=SERVER_START_SECONDS * 1000)
        return self

    def now(self) -> float:
        return self.page.evaluate("performance.now()")

    def go(self, name: str, heading: str | None = None) -> None:
        """Open a page from the sidebar's navigation and wait until it is drawn."""
        self.page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
        self.page.get_by_role("heading", name=heading or name, exact=True).wait_for(timeout=STEP_TIMEOUT_MS)
        self.wait_until_idle()

    def rerun(self, act) -> None:
        """Do something that makes the page run again (`act`), and wait until that run has ended."""
        before = self.page.evaluate("window.zenreiRuns")
        act()
        self.page.wait_for_function(f"() => window.zenreiRuns > {before}", timeout=STEP_TIMEOUT_MS)
        self.wait_until_idle()

    def step(self, what: str, act, done, spinner_due: bool = True) -> None:
        """One slow step: do what the officer does (`act`), wait for what it shows (`done`, a locator).
        `spinner_due=False`: a step whose long run is Streamlit's own work, which no spinner of the page
        can cover (its spinners, if any, are still checked for Japanese)."""
        started = self.now()
        self.rerun(act)
        done.first.wait_for(timeout=STEP_TIMEOUT_MS)
        self.wait_until_idle()
        self.steps.append((what, started, self.now()))
        if not spinner_due:
            self.no_spinner_due.add(what)

    def download(self, button: str, scope=None) -> tuple[str, bytes]:
        """Click a download button; the file's name and bytes, a copy kept in the output folder."""
        with self.page.expect_download(timeout=STEP_TIMEOUT_MS) as info:
            (scope or self.page).get_by_role("button", name=button, exact=True).click()
        download = info.value
        data = Path(download.path()).read_bytes()
        kept = self.out / download.suggested_filename
        kept.write_bytes(data)
        self.files.append(kept)
        return download.suggested_filename, data

    def shown_text(self) -> str:
        """What the page says: its rendered text, and the text of collapsed expanders too."""
        hidden = self.page.evaluate(
            """() => {
                const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                const out = [];
                while (walk.nextNode()) {
                  const node = walk.currentNode;
                  if (!node.parentElement.closest('script, style, noscript')) out.push(node.data);
                }
                return out.join('\\n');
            }"""
        )
        return self.page.locator("body").inner_text() + "\n" + hidden

    def assert_no_markdown_asterisks(self) -> None:
        lines = [line for line in self.shown_text().splitlines() if "**" in line]
        assert not lines, f"Markdown asterisks shown on the page: {lines[:5]}"

    def assert_slow_steps_showed_a_japanese_spinner(self) -> None:
        """Each step the officer waited on showed what it was doing, in Japanese; never Streamlit's English."""
        spinners = self.page.evaluate("window.zenreiSpinners")
        for what, start, end in self.steps:
            during = [s["text"] for s in spinners if start <= s["at"] <= end]
            if what not in self.no_spinner_due and (longest := self._longest_run(start, end)) > SPINNER_DUE_MS:
                assert during, f"no spinner during {what!r} (its page ran {longest / 1000:.1f} s)"
            assert all(JAPANESE.search(text) for text in during), during
        assert all("Running" not in s["text"] and "Stop" not in s["text"] for s in spinners), spinners
        assert self.page.evaluate("window.zenreiEnglishSeen") == []

    def _longest_run(self, start: float, end: float) -> float:
        """The longest script run within [start, end] (page time, ms)."""
        spans = self.page.evaluate("window.zenreiRunSpans")
        return max([0.0, *(min(s["end"] or end, end) - max(s["start"], start) for s in spans)])

    def step_report(self) -> str:
        """Each step's duration and the spinners it showed (printed after the test, for the record)."""
        try:
            spinners = self.page.evaluate("window.zenreiSpinners")
        except Exception:  # the page is gone: the test's own failure says why
            return ""
        lines = []
        for what, start, end in self.steps:
            during = [s["text"] for s in spinners if start <= s["at"] <= end]
            run = self._longest_run(start, end) / 1000
            lines.append(f"  {what}: {(end - start) / 1000:.1f} s (longest run {run:.1f} s), spinners {during}")
        return "\n".join(lines)

    def messages(self):
        return self.page.get_by_test_id("stChatMessage")

    def ask(self, question: str) -> str:
        """Type the question, press Enter, and return the text of the answer it gets."""
        before = self.messages().count()
        box = self.page.get_by_test_id("stChatInputTextArea")
        box.fill(question)
        started = self.now()
        box.press("Enter")
        answer = self.messages().nth(before + 1)
        pattern = "前例を[0-9]+件見つけました|前例は見つかりませんでした|項目に整理しました|記載がありません"
        summary = answer.get_by_text(re.compile(pattern)).first
        summary.wait_for(timeout=120_000)
        self.steps.append((question, started, self.now()))
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
            timeout=STEP_TIMEOUT_MS,
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
        """The whole page: it scrolls inside <main>, so grow the window to fit it."""
        path = self.out / f"{name}.png"
        height = self.page.evaluate(
            """() => (document.querySelector('[data-testid=stAppScrollToBottomContainer]')
                      || document.querySelector('[data-testid=stMain]')).scrollHeight"""
        )
        self.page.set_viewport_size({"width": 1400, "height": min(int(height) + 300, 8000)})
        self.page.wait_for_timeout(300)  # relayout
        self.page.screenshot(path=str(path))
        self.page.set_viewport_size({"width": 1400, "height": 1000})
        self.shots.append(path)
        return path


def _output_folder(tmp_path: Path) -> Path:
    """ZENREI_SCREENSHOTS when set (relative to where pytest runs), else the test's tmp_path."""
    chosen = os.environ.get(SCREENSHOTS, "").strip()
    folder = Path(chosen).resolve() if chosen else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def chat(browser, server, tmp_path, capsys):
    """A fresh session on the app's first page (前例を探す); other pages are reached from its navigation."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.add_init_script(WATCH_SPINNERS)
    started = time.monotonic()
    page = AppPage(context.new_page(), _output_folder(tmp_path), server.url)
    try:
        yield page.open(server.url)
        assert page.outside == [], f"the page asked hosts other than its server: {page.outside}"
        english = page.page.evaluate("window.zenreiEnglishSeen")
        assert english == [], f"Streamlit's English Stop/Running showed: {english}"
    finally:
        if page.shots:
            LAST_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page.shots[-1], LAST_SCREENSHOT)
            with capsys.disabled():
                names = ", ".join(p.name for p in page.shots + page.files)
                print(f"\nscreenshots in {page.out}: {names} (last: {LAST_SCREENSHOT}); "
                      f"browser time {time.monotonic() - started:.1f} s\n{page.step_report()}")  # fmt: skip
        context.close()


def _case_ids(answer_text: str) -> list[str]:
    return re.findall(r"\d+\. 事案 (\S+)", answer_text)


def test_a_question_gets_case_cards_and_the_category_filter_narrows_them(chat):
    first = chat.ask(QUESTION)
    chat.screenshot("chat-first-answer")
    ids = _case_ids(first)
    assert len(ids) == 5
    assert {"12", "19"} & set(ids), f"expected a seed mis-enclosure case among {ids}"
    assert "再発防止策" in first and "出典" in first

    chat.choose_category("不正目的")
    second = chat.ask(QUESTION)
    chat.screenshot("chat-filtered-answer")
    fraud = {inc.id for inc in read_table(SEED).incidents if "不正目的" in inc.categories}
    assert sorted(_case_ids(second)) == sorted(fraud)  # only, and all of, the 不正目的 cases
    assert second.count("不正目的") >= len(fraud)
    assert chat.dialogs == []


def test_hostile_table_cells_and_questions_are_shown_as_text_and_never_run(chat):
    answer = chat.ask(HOSTILE_QUESTION)
    chat.screenshot("chat-hostile-answer")
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
    chat.assert_no_markdown_asterisks()  # nor anywhere else on the page
    chat.screenshot("chat-no-asterisks")


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
    chat.screenshot("chat-hostile-file-name")


def test_slow_steps_show_a_japanese_spinner_and_no_english_stop(chat):
    chat.ask(QUESTION)
    chat.ask("防止策だけまとめて")
    chat.assert_slow_steps_showed_a_japanese_spinner()  # each answer whose run took over 1.5 s


# --- every other page, through the navigation: its slow step, its spinner, its Word file ---------

SEED_BODY = "千葉市の公表事案（令和4〜6年度）"  # the seed's label in data/tables/sources.json: its body
TRIAGE_INCIDENT = "委託先で52人分の健診結果を記録したUSBメモリを紛失した"
TRAINING_ANSWER = "封入前に別の職員が宛名と中身を確認する。\n個人情報を含む書類は鍵のかかる書庫に保管する。"
# A table an officer keeps in Excel and saves as CSV: Shift_JIS (CP932), with a 公表団体 column.
IMPORTED_ROWS = [
    ["id", "年度", "事案の内容", "類型", "再発防止策", "公表団体"],
    ["BR-1", "R6", "窓口で交付する住民票の写しに別の世帯の写しを重ねて渡した", "",
     "交付前に二人で氏名を読み合わせる", "架空市"],
    ["BR-2", "R5", "学童保育の緊急連絡先名簿を施設の掲示板に貼ったままにしていた", "",
     "名簿は鍵のかかる書庫に保管する", "架空市"],
]  # fmt: skip


def _word_file(name: str, data: bytes) -> list[str]:
    """A downloaded Word file as filed: A4, Japanese fonts, page numbers, cases cited by body."""
    assert name.endswith(".docx"), name
    assert_filed_word(data)
    return assert_a4_with_body_named_citations(data)


def _cites_the_seed(paragraphs: list[str]) -> bool:
    return any(f"出典: {SEED_BODY}・令和" in p for p in paragraphs)


def test_the_chat_transcript_downloads_as_an_a4_word_file_citing_bodies(chat):
    chat.ask(QUESTION)
    name, data = chat.download("Word (.docx)", chat.page.get_by_test_id("stSidebar"))
    assert name == "zenrei_相談記録.docx"
    paragraphs = _word_file(name, data)
    assert any(QUESTION in p for p in paragraphs) and _cites_the_seed(paragraphs)
    chat.assert_slow_steps_showed_a_japanese_spinner()
    chat.assert_no_markdown_asterisks()


def test_drafting_measures_from_precedents_and_downloading_the_draft(chat):
    chat.go("再発防止策の起案")
    page = chat.page
    page.get_by_label("事案の概要").fill(QUESTION)
    chat.step(
        "起案",
        lambda: page.get_by_role("button", name="前例から案を作る").click(),
        page.get_by_role("heading", name="再発防止策（案）"),
    )
    shown = chat.shown_text()
    assert "類似の前例" in shown and f"出典: {SEED_BODY}" in shown
    assert page.get_by_role("checkbox", name="採用").count() > 0  # measures to accept or drop
    chat.assert_slow_steps_showed_a_japanese_spinner()
    chat.assert_no_markdown_asterisks()
    chat.screenshot("draft")
    name, data = chat.download("Word（.docx）でダウンロード")
    assert name == "再発防止策（案）.docx"
    paragraphs = _word_file(name, data)
    assert QUESTION in paragraphs and _cites_the_seed(paragraphs)


def test_checking_whether_an_incident_must_be_reported_and_downloading_the_result(chat):
    chat.go("報告要否の確認")
    page = chat.page
    box = page.get_by_label("事案の内容")
    box.fill(TRIAGE_INCIDENT)
    # Ctrl+Enter sends the text, as leaving the box does: the checklist is suggested from it.
    chat.step("確認項目の提案", lambda: box.press("Control+Enter"), page.get_by_text("提案：52人"))
    # The officer settles a fact the text does not tell: not done with intent (いいえ).
    improper = page.get_by_test_id("stRadio").filter(has_text="不正の目的")
    chat.rerun(lambda: improper.get_by_text("いいえ", exact=True).click())
    assert page.get_by_test_id("stAlert").filter(has_text="報告が必要").count() == 1
    chat.assert_slow_steps_showed_a_japanese_spinner()
    chat.assert_no_markdown_asterisks()
    chat.screenshot("triage")
    name, data = chat.download("Word（.docx）でダウンロード")
    assert name == "報告要否の確認結果.docx"
    paragraphs = _word_file(name, data)
    text = "\n".join(paragraphs)
    assert TRIAGE_INCIDENT in text and "報告が必要" in text and "本人の数: 52人" in text
    assert _cites_the_seed(paragraphs)  # the precedents of the same category


def test_browsing_a_case_and_the_cases_similar_to_it(chat):
    chat.go("事案を一覧で見る")
    page = chat.page
    search = page.get_by_label("語句で検索（事案の内容と再発防止策から探します）")
    search.fill("受給者証")
    chat.rerun(lambda: search.press("Enter"))
    assert re.search(r"\b3件 / 全", page.get_by_test_id("stMain").inner_text())  # the seed's three
    pick = page.get_by_test_id("stSelectbox").filter(has_text="詳しく見る事案")
    pick.get_by_role("combobox").click()
    page.keyboard.press("ArrowDown")  # opens the list (a click only puts the cursor in the box)
    option = page.get_by_role("option").nth(1)  # another case than the one shown first
    case_id = re.search(r"事案 ([A-Za-z0-9_-]+)（", option.inner_text()).group(1)
    chat.step(
        "似た事案",
        option.click,
        page.get_by_role("heading", name=re.compile(rf"^事案 {re.escape(case_id)}\s")),  # 「事案 14　令和6年度」
    )
    similar = page.get_by_test_id("stMain").inner_text().split("この事案に似た事案", 1)[1]
    neighbours = _case_ids(similar)
    assert neighbours and case_id not in neighbours and "出典: " in similar  # its kin, not itself
    chat.assert_slow_steps_showed_a_japanese_spinner()
    chat.assert_no_markdown_asterisks()
    chat.screenshot("browse")


def test_training_checks_an_answer_and_makes_a_study_sheet(chat):
    chat.go("あなたならどうする？（研修）", heading="あなたならどうする？")
    page = chat.page
    page.get_by_label(re.compile("^あなたならどうしますか")).fill(TRAINING_ANSWER)
    chat.step(
        "答え合わせ",
        lambda: page.get_by_role("button", name="答え合わせ").click(),
        page.get_by_text(re.compile(r"この事案の再発防止策（押さえた対策 \d+ / \d+）")),
    )
    shown = chat.shown_text()
    assert "答えが空のため" not in shown  # the answer typed was the one checked
    assert "似た事案の再発防止策" in shown and re.search("取り組んだ事例\\s*1件", shown)
    chat.screenshot("training-answer-checked")
    chat.step(
        "学習シート",
        lambda: page.get_by_role("button", name="学習シートを作る").click(),
        page.get_by_role("button", name="Word（.docx）でダウンロード"),
    )
    chat.assert_slow_steps_showed_a_japanese_spinner()
    chat.assert_no_markdown_asterisks()
    chat.screenshot("training-study-sheet")
    name, data = chat.download("Word（.docx）でダウンロード")
    assert _cites_the_seed(_word_file(name, data))


# The text a sighted user reads inside `root`: visible text nodes and ::before/::after content,
# leaving out icon ligatures and what is hidden (display none, font-size 0, clipped to 1 px for
# screen readers).
READ_TEXT = """
root => {
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
  for (let el = root; el; el = walker.nextNode()) {
    if (el.closest('[data-testid="stIconMaterial"]') || !el.checkVisibility()) continue;
    if (el.offsetWidth <= 1 && el.offsetHeight <= 1) continue;
    if (parseFloat(getComputedStyle(el).fontSize) > 0)
      for (const node of el.childNodes)
        if (node.nodeType === Node.TEXT_NODE && node.textContent.trim()) out.push(node.textContent.trim());
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(el, pseudo).content;
      if (content.startsWith('"')) out.push(JSON.parse(content));
    }
  }
  return out;
}
"""
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def test_the_file_uploader_reads_in_japanese_even_for_a_file_it_refuses(chat, tmp_path):
    chat.go("データの管理")
    page = chat.page
    uploader = page.get_by_test_id("stFileUploader")
    zone = page.get_by_test_id("stFileUploaderDropzone")
    shown = uploader.evaluate(READ_TEXT)
    assert "ファイルを選ぶ" in shown and not ENGLISH_WORD.findall(" ".join(shown)), shown

    # While a file is dragged over it
    zone.dispatch_event("dragenter", {"dataTransfer": page.evaluate_handle(
        "() => { const d = new DataTransfer(); d.items.add(new File(['x'], 'x.csv')); return d; }")})  # fmt: skip
    page.get_by_text("Drag and drop", exact=False).wait_for(state="attached")
    shown = zone.evaluate(READ_TEXT)
    assert "ここにファイルを置いてください" in shown and not ENGLISH_WORD.findall(" ".join(shown)), shown
    zone.dispatch_event("dragleave")

    # A format it does not take (a Word file): refused in the browser, explained on hover
    refused = tmp_path / "memo.docx"
    refused.write_bytes(b"PK\x03\x04 not a table")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(refused)
    chip = page.get_by_test_id("stFileChipName").filter(has_text="memo.docx")
    chip.wait_for()
    chip.hover()
    tooltip = page.get_by_test_id("stTooltipErrorContent")
    tooltip.wait_for(state="attached")
    shown = tooltip.evaluate(READ_TEXT)
    assert shown and shown[0].startswith("取り込めないファイルです") and not ENGLISH_WORD.findall(" ".join(shown))
    chat.screenshot("data-refused-file")
    page.get_by_role("button", name="Remove memo.docx").click()
    page.get_by_test_id("stFileChipName").wait_for(state="detached")


# Changes the server's data (two cases more): runs after the tests that count the seed's cases.
def test_a_shift_jis_csv_uploaded_on_the_data_page_is_imported_and_found(chat, tmp_path):
    table = tmp_path / "架空市の事案.csv"
    with table.open("w", encoding="cp932", newline="") as handle:
        csv.writer(handle).writerows(IMPORTED_ROWS)
    chat.go("データの管理")
    page = chat.page
    # The page's own work on this two-row file takes under 0.3 s (timed in the server's script on
    # 2026-12-01); the run the browser sees (up to 1.7 s on a loaded CI machine) is Streamlit receiving
    # the file and rerunning, which no spinner of the page can cover. Reading a large file shows
    # 「ファイルを読んで、取り込める行を確かめています…」 (ui/data.py).
    chat.step(
        "ファイルを読む",
        lambda: page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(table),
        page.get_by_text("2件を取り込めます"),
        spinner_due=False,
    )
    chat.step(
        "取り込む",
        lambda: page.get_by_role("button", name="取り込む", exact=True).click(),
        page.get_by_text(re.compile("架空市の事案.csv から2件を保存しました")),
    )
    chat.assert_no_markdown_asterisks()
    chat.screenshot("data-imported")
    chat.go("前例を探す", heading="Zenrei（前例）")
    answer = chat.ask(IMPORTED_ROWS[1][2])
    assert "BR-1" in _case_ids(answer) and "出典: 架空市・令和6年度・事案BR-1" in answer.replace(" · ", "・")
    chat.assert_slow_steps_showed_a_japanese_spinner()
    chat.assert_no_markdown_asterisks()


def test_the_server_keeps_no_trace_of_the_questions_asked(server):
    # Runs after the tests above have asked their questions in this server.
    assert any(server.home.rglob("manifest.json")), "the index should be saved under ZENREI_HOME"
    for question in (QUESTION, HOSTILE_QUESTION):
        for path in [server.log, *server.home.rglob("*")]:
            if path.is_file():
                assert question.encode("utf-8") not in path.read_bytes(), f"{question} kept in {path}"
