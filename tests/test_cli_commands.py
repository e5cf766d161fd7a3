"""The command line's shape and shared options, without the real model (fake embedder or none)."""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request

import pytest
from conftest import REPO, SEED, FakeEmbedder

from assistant.cli import COMMANDS, build_parser, main
from assistant.cli.serve import streamlit_command
from data import read_tables

OTHER = REPO / "data" / "tables" / "other_bodies_published.jsonl"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[argparse.ArgumentParser, str | None]]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in action._choices_actions}
    return {name: (sub, helps.get(name)) for name, sub in action.choices.items()}


def _missing_help(parser: argparse.ArgumentParser) -> list[str]:
    """Every command with a help line and a description; every option and argument with help."""
    missing = []
    for name, (sub, help_line) in _subcommands(parser).items():
        if not (help_line or "").strip():
            missing.append(f"{name}: no help line in the command list")
        if not (sub.description or "").strip():
            missing.append(f"{name}: no description")
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}: no help")
    return missing


def test_every_command_and_option_has_help():
    assert _missing_help(build_parser()) == []


def test_the_help_check_fails_on_a_command_or_option_without_help():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bare = subparsers.add_parser("bare")  # no help, no description
    bare.add_argument("--flag")
    expected = ["bare: no help line in the command list", "bare: no description", "bare --flag: no help"]
    assert _missing_help(parser) == expected
    search = _subcommands(parser)["search"][0]
    search.add_argument("--quiet", action="store_true")
    assert "search --quiet: no help" in _missing_help(parser)


def test_the_command_list_is_explicit_and_each_module_registers_its_command():
    names = list(_subcommands(build_parser()))
    assert names == ["search", "build", "eval", "classify", "draft", "export", "import", "study", "triage", "serve"]
    assert len(COMMANDS) == len(names)


@pytest.mark.parametrize("command", ["eval", "classify"])
def test_repeated_data_options_accumulate(command):
    argv = [command, "--data", "a.txt", "--data", "b.jsonl", "c.csv"]
    if command == "eval":
        argv += ["--queries", "q.jsonl"]
    assert [p.name for p in build_parser().parse_args(argv).data] == ["a.txt", "b.jsonl", "c.csv"]


def test_classify_with_two_data_options_classifies_both_tables(capsys):
    expected = [i.id for i in read_tables([SEED, OTHER]).incidents]
    assert main(["classify", "--data", str(SEED), "--data", str(OTHER), "--json"]) == 0
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == expected


def test_eval_with_two_data_options_indexes_both_tables(zenrei_home, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: FakeEmbedder())
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"id": "A1", "description": "窓口で別人に証明書を渡した"}, ensure_ascii=False) + "\n")
    b.write_text(json.dumps({"id": "B1", "description": "委託先がメールを誤送信した"}, ensure_ascii=False) + "\n")
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"qid": "q", "query": "誤送信", "relevant": {"A1": 2, "B1": 2}}) + "\n")
    assert main(["eval", "--queries", str(queries), "--data", str(a), "--data", str(b), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recall@10"] == 1.0  # 0.5 when only b is indexed


@pytest.fixture
def imported(zenrei_home, tmp_path, monkeypatch, capsys):
    """The seed as the configured table, and one case imported into the store (no index)."""
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    table = tmp_path / "課の事案.csv"
    table.write_text("id,年度,事案の内容,類型\nK-1,R6,健診結果の通知を別の職員の机に置き忘れた,要配慮\n", "utf-8")
    assert main(["import", str(table), "--yes", "--no-index"]) == 0
    capsys.readouterr()
    return "K-1"


def test_classify_without_data_includes_the_cases_imported_into_the_store(imported, capsys):
    assert main(["classify", "--json"]) == 0
    ids = [row["id"] for row in json.loads(capsys.readouterr().out)]
    assert ids[-1] == imported and len(ids) == len(read_tables([SEED]).incidents) + 1


def test_triage_without_search_lists_imported_cases_among_the_precedents(imported, capsys):
    argv = ["triage", "健診結果を紛失した", "--discovered", "2024-05-01", "--sensitive", "yes", "--no-search", "--json"]
    assert main(argv) == 0
    precedents = json.loads(capsys.readouterr().out)["same_category_precedents"]
    assert imported in [p["id"] for p in precedents]


def test_a_reversed_year_range_is_one_line_before_any_model_is_opened(zenrei_home, monkeypatch, capsys):
    def no_model(spec, cache):
        raise AssertionError("the model must not be opened for a bad option")

    monkeypatch.setattr("assistant.engine.open_embedder", no_model)
    for command in (["search", "紛失"], ["draft", "紛失"]):
        assert main([*command, "--year-from", "R6", "--year-to", "R4"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("エラー: 年度の範囲が逆です") and err.count("\n") == 1


def test_top_below_one_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["search", "紛失", "--top", "0"])
    assert stop.value.code == 2 and "1以上" in capsys.readouterr().err


def test_programming_errors_still_raise(zenrei_home, monkeypatch):
    def bug(*args, **kwargs):
        raise ValueError("a bug, not the user's")

    monkeypatch.setattr("assistant.cli.search.open_cli_engine", bug)
    with pytest.raises(ValueError, match="a bug"):
        main(["search", "紛失"])


# ---- serve and the installable package --------------------------------------------------------


def test_serve_runs_streamlit_through_this_python_with_the_watcher_off_and_the_options_passed():
    command = streamlit_command("0.0.0.0", 8600)
    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(REPO / "serve.py")]  # app.py behind the gate
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.fileWatcherType"] == "none"
    assert options["--server.address"] == "0.0.0.0" and options["--server.port"] == "8600"
    assert options["--browser.gatherUsageStats"] == "false" and options["--server.headless"] == "true"
    # The project's config.toml holds from any working folder: each of its options is passed.
    with (REPO / ".streamlit" / "config.toml").open("rb") as file:
        config = tomllib.load(file)
    for section, values in config.items():
        for key in values:
            assert f"--{section}.{key}" in options
    defaults = dict(zip(streamlit_command()[5::2], streamlit_command()[6::2], strict=True))
    assert defaults["--server.address"] == "127.0.0.1" and defaults["--server.port"] == "8501"


def test_serve_starts_the_page_server_on_the_port_asked(zenrei_home, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "serve.log").open("w", encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        # Any working folder (Zenrei importable, as when installed): the page is found from the package.
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, health = time.monotonic() + 90, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    health = reply.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert health == "ok", server.poll()
    finally:
        server.terminate()  # reaches streamlit itself: serve runs it in its own place
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
        log.close()
    output = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert f"http://127.0.0.1:{port}" in output and "Traceback" not in output


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_installs_the_runtime_only_and_starts_through_serve(tmp_path):
    venv = tmp_path / "venv"
    run = subprocess.run(["make", "-n", "run", f"VENV={venv}"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "requirements.txt" in run.stdout and "requirements-dev.txt" not in run.stdout
    assert f"{venv}/bin/python -m assistant serve" in run.stdout
    test = subprocess.run(["make", "-n", "test", f"VENV={venv}"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert "requirements-dev.txt" in test.stdout and "pytest" in test.stdout


def test_serve_refuses_a_port_out_of_range(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["serve", "--server.port", "70000"])
    assert stop.value.code == 2 and "1〜65535" in capsys.readouterr().err


def test_serve_help_works_in_a_fresh_process():
    run = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--help"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "--server.port" in run.stdout and "--server.address" in run.stdout


def test_the_package_declares_the_zenrei_script_and_ships_its_data():
    with (REPO / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)
    assert project["project"]["scripts"]["zenrei"] == "assistant.cli:main"
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"
    setuptools = project["tool"]["setuptools"]
    assert {"data*", "domain*", "index*", "assistant*", "ui*"} <= set(setuptools["packages"]["find"]["include"])
    assert "app" in setuptools["py-modules"]
    data = setuptools["package-data"]
    assert {"tables/*", "eval/*"} <= set(data["data"])
    # Every shipped table and judged query file matches a declared pattern.
    for folder in ("tables", "eval"):
        for path in (REPO / "data" / folder).iterdir():
            assert any(path.relative_to(REPO / "data").match(p) for p in data["data"]), path
