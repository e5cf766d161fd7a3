"""Where start-up time goes: the page until the chat input is usable, a CLI search, a first start.

    python bench/startup.py                    # all three parts, 5 runs each (first start: 1)
    python bench/startup.py --parts cli --runs 7
    python bench/startup.py --parts page,first --first-runs 2

(a) page: `streamlit run app.py` headless, driven by Playwright in Debian's Chromium; from the
    server's launch to the chat input being usable, then to the first answer's summary; and a
    second browser session on the warm server.
(b) cli: `python -m assistant search …` with a saved index, wall time of the whole process.
(c) first: a fresh ZENREI_HOME on the bundled data: `python -m assistant build` wall time.
And for (b)/(c) a breakdown in a fresh interpreter of each stage: importing the library,
opening the model (for the default model: its NumPy engine, index/e5_numpy.py, what a question
needs; sentence-transformers/torch only embeds batches), loading FAISS/BM25, the dictionary
groups' vectors, the first answer, and whether torch was imported at all (1 = yes).

Every run is a fresh process (a fresh server for the page). Medians over the runs, with min and
max, and the machine's load average beside them: on a shared machine the load decides much.
The model is the materialized default one (shared cache, never downloaded).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from chromium import CHROMIUM_FLAGS, is_healthy  # noqa: E402  (the tests' Chromium flags: one list)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
QUESTION = "封筒に別の人の受給者証を入れて送ってしまった"
PAGE_TIMEOUT_S = 300


def _env(home: Path, model: Path) -> dict[str, str]:
    env = {**os.environ, "ZENREI_HOME": str(home), "ZENREI_MODEL": str(model), "HF_HUB_OFFLINE": "1"}
    env["PYTHONPATH"] = str(ROOT)
    for optional in ("ZENREI_PASSWORD", "ZENREI_AUDIT_LOG", "ZENREI_DATA"):
        env.pop(optional, None)  # the bundled tables, no gate, no audit log
    return env


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
        "n": len(values),
    }


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# ------------------------------------------------------------------ stages (child process)


def stages_child(question: str) -> None:
    """Runs in a fresh interpreter: time each stage of opening Zenrei and answering once."""
    laps: dict[str, float] = {}
    t, c = time.perf_counter(), time.process_time()

    def lap(name: str) -> None:
        nonlocal t, c
        now, cpu = time.perf_counter(), time.process_time()
        laps[name] = round(now - t, 3)
        laps[f"{name} [CPU]"] = round(cpu - c, 3)
        t, c = now, cpu

    import datetime as dt

    from assistant import engine as engine_module
    from assistant.conversation import interpret, respond
    from assistant.corpus import load_corpus
    from assistant.settings import Settings
    from assistant.store import store_path
    from index.filters import Filters
    from index.storage import expected_manifest, load_searcher, open_searcher

    lap("import Zenrei (assistant, index)")
    heavy = [m for m in ("torch", "sentence_transformers") if m in sys.modules]
    settings = Settings.from_env()
    corpus = load_corpus(settings.tables, store_file=store_path(settings.home))
    lap("read the tables")
    embedder = engine_module.open_embedder(settings.model, settings.model_cache)
    lap("open the embedder")
    expected = expected_manifest(corpus.incidents, embedder, corpus.checksum)
    if (settings.index_dir / "manifest.json").exists():
        searcher = load_searcher(corpus.incidents, embedder, expected, settings.index_dir)
        lap("load FAISS + BM25")
    else:
        searcher, _ = open_searcher(corpus.incidents, embedder, corpus.checksum, settings.index_dir)
        lap("build + save the index (embedding every text)")
    warm = getattr(engine_module, "warm_concepts", None)
    if warm is not None:
        warm(searcher, settings.index_dir)
    else:
        searcher.concept_vectors()
    lap("dictionary groups' vectors")
    load_model = getattr(embedder, "load", None)
    if load_model is not None:  # a lazy embedder: say what the model costs apart from the search
        load_model()
        lap("load the model (what a question needs)")
    request = interpret(question, None, top_k=5, today=dt.date.today(), labels=corpus.labels)
    respond(request, Filters(), searcher=searcher)
    lap("first answer")
    laps["(torch imported to answer)"] = float("torch" in sys.modules)
    print(json.dumps({"laps": laps, "heavy_at_import": heavy}, ensure_ascii=False))


def run_stages(env: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    collected: dict[str, list[float]] = {}
    for _ in range(runs):
        command = [PYTHON, __file__, "--stages-child", QUESTION]
        out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        for name, seconds in result["laps"].items():
            collected.setdefault(name, []).append(seconds)
        if result["heavy_at_import"]:
            collected.setdefault("(torch imported with Zenrei's modules)", []).append(1.0)
    return {name: _summary(values) for name, values in collected.items()}


# ------------------------------------------------------------------ (b) CLI, (c) first start


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_process(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one process. On a shared machine the CPU time (user + system, all
    threads) barely depends on the others' load; the wall time does, a lot."""
    t0, c0 = time.perf_counter(), _children_cpu()
    subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0, _children_cpu() - c0


def bench_cli(env: dict[str, str], runs: int) -> dict:
    subprocess.run([PYTHON, "-m", "assistant", "build"], env=env, cwd=ROOT, capture_output=True, check=True)
    timed = [time_process([PYTHON, "-m", "assistant", "search", QUESTION], env) for _ in range(runs)]
    return {
        "search wall time (s)": _summary([wall for wall, _ in timed]),
        "search CPU time (s)": _summary([cpu for _, cpu in timed]),
        "stages (s)": run_stages(env, runs),
    }


def bench_first(base: Path, model: Path, runs: int) -> dict:
    walls, stage_envs = [], []
    for i in range(runs):
        home = base / f"first-{i}"
        walls.append(time_process([PYTHON, "-m", "assistant", "build"], _env(home, model))[0])
        stage_envs.append(_env(base / f"first-stages-{i}", model))
    stages: dict[str, list[float]] = {}
    for env in stage_envs:  # each in its own empty home: the breakdown of a first start
        for name, s in run_stages(env, 1).items():
            stages.setdefault(name, []).append(s["median"])
    return {"build wall time (s)": _summary(walls), "stages (s)": {k: _summary(v) for k, v in stages.items()}}


# ------------------------------------------------------------------ (a) the page


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + PAGE_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        if is_healthy(url):
            return
        time.sleep(0.05)
    raise RuntimeError("streamlit never became healthy")


def _ready(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=PAGE_TIMEOUT_S * 1000)
    # Usable, not merely drawn: Streamlit disables the box while the script has not finished.
    page.wait_for_function(
        "() => { const b = document.querySelector('[data-testid=stChatInputTextArea]'); return b && !b.disabled; }",
        timeout=PAGE_TIMEOUT_S * 1000,
    )


def page_run(browser, env: dict[str, str]) -> dict[str, float]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [PYTHON, "-m", "streamlit", "run", "app.py", "--server.headless=true",
               "--server.address=127.0.0.1", f"--server.port={port}"]  # fmt: skip
    t0 = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(url, process)
        healthy = time.perf_counter() - t0
        context = browser.new_context(locale="ja-JP")
        page = context.new_page()
        t_nav = time.perf_counter()
        _ready(page, url)
        ready = time.perf_counter()
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill(QUESTION)
        box.press("Enter")
        page.get_by_text("似ている前例を").first.wait_for(timeout=PAGE_TIMEOUT_S * 1000)
        answered = time.perf_counter()
        context.close()
        context = browser.new_context(locale="ja-JP")
        t_second = time.perf_counter()
        _ready(context.new_page(), url)
        second = time.perf_counter() - t_second
        context.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return {
        "server healthy after launch": healthy,
        "chat input usable after launch": ready - t0,
        "chat input usable after navigation": ready - t_nav,
        "first answer after Enter": answered - ready,
        "second session: chat input usable": second,
    }


def bench_page(env: dict[str, str], runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        return {"skipped": "Debian の chromium がありません (apt-get install chromium)"}
    subprocess.run([PYTHON, "-m", "assistant", "build"], env=env, cwd=ROOT, capture_output=True, check=True)
    collected: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        try:
            for _ in range(runs):
                for name, seconds in page_run(browser, env).items():
                    collected.setdefault(name, []).append(seconds)
        finally:
            browser.close()
    return {"page (s)": {name: _summary(values) for name, values in collected.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="page,cli,first", help="page, cli, first (comma-separated)")
    parser.add_argument("--runs", type=int, default=5, help="runs of the page and of the CLI")
    parser.add_argument("--first-runs", type=int, default=1, help="runs of the first start (each embeds all)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--stages-child", metavar="QUESTION", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages_child:
        stages_child(args.stages_child)
        return 0
    sys.path.insert(0, str(ROOT))
    from assistant.settings import default_home
    from index.offline_model import ensure_default_model

    model = ensure_default_model(default_home() / "models")  # the shared cache, materialized once
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    report: dict = {"cpus": os.cpu_count(), "load before": _load()}
    with tempfile.TemporaryDirectory(prefix="zenrei-startup-") as tmp:
        base = Path(tmp)
        env = _env(base / "saved", model)
        if "cli" in parts:
            report["(b) CLI search, saved index"] = bench_cli(env, args.runs)
        if "page" in parts:
            report["(a) page, saved index"] = bench_page(env, args.runs)
        if "first" in parts:
            report["(c) first start, bundled data"] = bench_first(base, model, args.first_runs)
    report["load after"] = _load()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for section, body in report.items():
        if not isinstance(body, dict):
            print(f"{section}: {body}")
            continue
        print(f"\n{section}")
        for group, rows in body.items():
            if not isinstance(rows, dict) or "median" in rows:
                print(f"  {group}: {_fmt(rows)}")
                continue
            print(f"  {group}")
            for name, row in rows.items():
                print(f"    {name:<48} {_fmt(row)}")
    return 0


def _fmt(row) -> str:
    if isinstance(row, dict) and "median" in row:
        return f"median {row['median']:6.2f}  (min {row['min']:.2f}, max {row['max']:.2f}, n={row['n']})"
    return str(row)


if __name__ == "__main__":
    sys.exit(main())
