"""Crashes and damaged files never lead to a damaged index being used.

A child process rebuilds the index (new data, a slowed-down fake embedder, every step of the
save announced on stdout) and is killed with SIGKILL at a chosen step or a random moment.
Opening the index again must then either load the last good index or rebuild; whatever is
loaded answers exactly like an index built from scratch in memory.
"""

from __future__ import annotations

import errno
import json
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import REPO, SEED, FakeEmbedder

import index.dense
import index.snapshot
from data import read_table
from index.manifest import MANIFEST_NAME, IndexMismatch, Manifest, data_checksum
from index.storage import (
    IndexSaveError,
    build_searcher,
    expected_manifest,
    load_last_good,
    open_index,
    open_searcher,
    save_searcher,
)

QUESTIONS = ("封筒に別の人の受給者証を入れて送ってしまった", "予診票をなくした", "メールの宛先を間違えた")

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    repo, tests, table, directory, hold, per_text = sys.argv[1:7]
    sys.path[:0] = [repo, tests]
    from conftest import FakeEmbedder
    import index.storage as storage
    from data import read_table
    from index.manifest import data_checksum

    seen = []

    def say(step):
        seen.append(step)
        print(step, flush=True)
        if f"{step}#{seen.count(step)}" == hold:
            time.sleep(60)  # the parent kills during this pause: the step has not run yet

    class SlowEmbedder(FakeEmbedder):
        def embed(self, texts, prompt, progress=None):
            say(f"embed {prompt}")
            for _ in texts:
                time.sleep(float(per_text))  # slow enough to be killed half-way through
            return super().embed(texts, prompt, progress)

    def announced(name, function):
        def wrapper(*args, **kwargs):
            say(f"before {name}")
            return function(*args, **kwargs)
        return wrapper

    storage.DenseIndex.save = announced("dense save", storage.DenseIndex.save)
    storage.LexicalIndex.save = announced("lexical save", storage.LexicalIndex.save)
    storage.Manifest.write = announced("manifest write", storage.Manifest.write)
    Path.rename = announced("rename", Path.rename)
    say("started")
    incidents = read_table(table).incidents
    storage.open_searcher(incidents, SlowEmbedder(), data_checksum([Path(table)]), Path(directory))
    say("finished")
    """
)

# (marker, which occurrence): kill while the child pauses right after printing it.
SAVE_STEPS = [
    ("before dense save", 1),  # nothing written yet
    ("before lexical save", 1),  # half the files in the staging folder
    ("before manifest write", 1),  # every file but the manifest
    ("before rename", 1),  # staging complete; the old index still in place
    ("before rename", 2),  # the old index moved aside, the new one not yet in place
    ("finished", 1),  # done (the kill finds nothing to break)
]


@pytest.fixture
def tables(tmp_path):
    """Table A (the seed, indexed before the crash) and table B (one incident more)."""
    b = tmp_path / "seed_plus_one.txt"
    extra = "\nR6\t窓口で別の方の住民票の写しを交付した。\t\t本人確認を二重に行う。\n"
    b.write_text(SEED.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return SEED, b


def _fresh_results(table: Path) -> list[list[str]]:
    searcher = build_searcher(read_table(table).incidents, FakeEmbedder())
    return [[h.incident.id for h in searcher.search(q)] for q in QUESTIONS]


def _open(table: Path, directory: Path):
    searcher, reason = open_searcher(
        read_table(table).incidents, FakeEmbedder(), data_checksum([Path(table)]), directory
    )
    return [[h.incident.id for h in searcher.search(q)] for q in QUESTIONS], reason


def _crash_child(
    tmp_path: Path,
    table: Path,
    directory: Path,
    marker: str,
    occurrence: int,
    delay: float = 0.0,
    hold: str = "",
    per_text: float = 0.0,
) -> bool:
    """Run the child until the marker's n-th appearance, wait `delay`, SIGKILL it.

    The child stops at `hold` ("marker#n", by default the kill point itself) until killed, so a
    slow machine cannot let it run past the point. Returns False when the marker never came.
    """
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    hold = hold or f"{marker}#{occurrence}"
    child = subprocess.Popen(
        [sys.executable, str(script), str(REPO), str(REPO / "tests"), str(table), str(directory), hold, str(per_text)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        seen = 0
        for line in child.stdout:
            if line.strip() == marker:
                seen += 1
                if seen == occurrence:
                    time.sleep(delay)
                    child.send_signal(signal.SIGKILL)
                    child.wait(timeout=30)
                    return child.returncode == -signal.SIGKILL
        return False
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        child.stdout.close()


def _assert_index_folder_is_whole(directory: Path) -> None:
    manifest = Manifest.read(directory)
    manifest.verify_files(directory)
    assert manifest.files


@pytest.mark.parametrize(("marker", "occurrence"), SAVE_STEPS, ids=[f"{m}#{n}" for m, n in SAVE_STEPS])
def test_a_build_killed_at_any_step_of_the_save_leaves_a_usable_or_rebuildable_index(
    tmp_path, tables, marker, occurrence
):
    a, b = tables
    directory = tmp_path / "idx"
    expected_a, expected_b = _fresh_results(a), _fresh_results(b)
    _open(a, directory)  # the last good index

    killed = _crash_child(tmp_path, b, directory, marker, occurrence)
    assert killed or marker == "finished"

    before_swap = marker != "finished" and occurrence == 1
    results_a, reason_a = _open(a, directory)
    assert results_a == expected_a
    if before_swap:
        assert reason_a is None, "the last good index should have been loaded"
    results_b, reason_b = _open(b, directory)
    assert results_b == expected_b
    _assert_index_folder_is_whole(directory)


def test_a_build_killed_at_a_random_moment_while_embedding_keeps_the_last_good_index(tmp_path, tables):
    a, b = tables
    directory = tmp_path / "idx"
    _open(a, directory)
    # Embedding the descriptions takes about 0.4 s; the child then waits before saving, so even
    # a late kill lands before the save.
    delay = random.Random().uniform(0.0, 0.4)
    assert _crash_child(tmp_path, b, directory, "embed query", 1, delay, "before dense save#1", 0.02)
    results_a, reason_a = _open(a, directory)
    assert reason_a is None and results_a == _fresh_results(a)
    assert _open(b, directory)[0] == _fresh_results(b)


def test_a_build_killed_while_starting_leaves_nothing_behind(tmp_path, tables):
    a, b = tables
    directory = tmp_path / "idx"
    assert _crash_child(tmp_path, b, directory, "started", 1)
    assert not tmp_path.joinpath("idx").exists()
    results, reason = _open(a, directory)
    assert reason is not None and results == _fresh_results(a)


@pytest.fixture
def built(tmp_path):
    directory = tmp_path / "idx"
    _open(SEED, directory)
    return directory


def _index_files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "emptied":
        path.write_bytes(b"")
    elif how == "one byte flipped":  # same size: only a checksum notices
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
    else:
        path.unlink()


def test_every_index_file_is_covered_by_the_manifest_checksums(built):
    listed = set(Manifest.read(built).files)
    assert listed == set(_index_files(built)) - {MANIFEST_NAME}


# Every file with the subtlest damage (same size, one bit); the coarser kinds on a few files.
DAMAGE = [("one byte flipped", None)] + [
    (how, name)
    for how in ("truncated", "emptied", "deleted")
    for name in ("descriptions.faiss", "incidents.jsonl", "manifest.json")
]


@pytest.mark.parametrize(("how", "only"), DAMAGE, ids=[f"{h}-{n or 'every file'}" for h, n in DAMAGE])
def test_a_damaged_index_file_is_detected_and_rebuilt(tmp_path, how, only):
    probe = tmp_path / "probe"
    _open(SEED, probe)
    expected = _fresh_results(SEED)
    for name in [only] if only else _index_files(probe):
        directory = tmp_path / name.replace("/", "_")
        shutil.copytree(probe, directory)
        _damage(directory / name, how)
        results, reason = _open(SEED, directory)
        assert reason is not None, f"{name} {how} was not noticed"
        assert results == expected
        assert _open(SEED, directory)[1] is None, "the rebuilt index should be reused"


def test_a_manifest_with_files_of_the_wrong_shape_is_rebuilt_not_a_crash(built):
    manifest = json.loads((built / MANIFEST_NAME).read_text(encoding="utf-8"))
    (built / MANIFEST_NAME).write_text(json.dumps({**manifest, "files": None}), encoding="utf-8")
    results, reason = _open(SEED, built)
    assert reason is not None and results == _fresh_results(SEED)


def test_a_rebuild_after_a_crash_removes_the_staging_folder_the_crash_left(tmp_path, tables):
    a, b = tables
    directory = tmp_path / "idx"
    _open(a, directory)
    assert _crash_child(tmp_path, b, directory, "before manifest write", 1)
    _open(b, directory)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["idx"]


def test_a_manifest_that_is_not_json_is_an_index_mismatch(built):
    (built / MANIFEST_NAME).write_text('{"model_id": ', encoding="utf-8")
    with pytest.raises(IndexMismatch, match="マニフェストが壊れています"):
        Manifest.read(built)


# --- a full disk while saving the index ------------------------------------------------------
# Simulated by monkeypatching the writes: FAISS's write_index raises RuntimeError ("... (No space
# left on device)", as measured on a 64 KB tmpfs), numpy's and our own writes raise OSError ENOSPC.


def _faiss_disk_full(self, path):
    raise RuntimeError(
        "Error in void faiss::write_index(const Index*, IOWriter*, int) at index_write.cpp:499: Error: "
        f"'ret == (size * 4)' failed: write error in {path}: 45011 != 54272 (No space left on device)"
    )


def _os_disk_full(path, incidents):
    raise OSError(errno.ENOSPC, "No space left on device", str(path))


FULL_DISK = [
    ("faiss", lambda mp: mp.setattr(index.dense.DenseIndex, "save", _faiss_disk_full)),
    ("snapshot", lambda mp: mp.setattr("index.storage.write_incidents", _os_disk_full)),
]


@pytest.mark.parametrize("fill", [f for _, f in FULL_DISK], ids=[n for n, _ in FULL_DISK])
def test_a_full_disk_while_saving_keeps_the_old_index_and_the_new_one_answers_from_memory(
    tmp_path, tables, monkeypatch, fill
):
    incidents = read_table(tables[1]).incidents
    directory = tmp_path / "idx"
    open_searcher(incidents[:10], FakeEmbedder(), "v1", directory)  # the last good index: 10 cases
    fill(monkeypatch)
    opened = open_index(incidents, FakeEmbedder(), "v2", directory)
    assert opened.save_error is not None and "\n" not in opened.save_error
    assert "索引を保存できませんでした" in opened.save_error and "ディスクの空きが足りません" in opened.save_error
    # The search answers from the index built in memory, over all the cases.
    assert len(opened.searcher.incidents) == len(incidents)
    assert opened.searcher.search(incidents[-1].description, top_k=1)[0].incident.id == incidents[-1].id
    monkeypatch.undo()
    last = load_last_good(FakeEmbedder(), directory)
    assert last is not None and len(last.incidents) == 10  # the saved index is as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == [".idx.lock", "idx", "seed_plus_one.txt"]  # no staging


def test_save_searcher_says_why_in_one_line(tmp_path, tables, monkeypatch):
    incidents = read_table(tables[1]).incidents
    searcher = build_searcher(incidents, FakeEmbedder())
    monkeypatch.setattr(index.dense.DenseIndex, "save", _faiss_disk_full)
    with pytest.raises(IndexSaveError) as caught:
        save_searcher(searcher, expected_manifest(incidents, FakeEmbedder(), "v1"), tmp_path / "idx")
    assert str(caught.value).startswith(f"{tmp_path / 'idx'}: 索引を保存できませんでした: ディスクの空きが足りません")
    assert not (tmp_path / "idx").exists()


def test_an_import_on_a_full_disk_stores_the_cases_and_the_cli_warns_in_one_line(tmp_path, monkeypatch, capsys):
    from assistant.cli import main
    from assistant.store import Store, store_path

    home = tmp_path / "home"
    monkeypatch.setenv("ZENREI_HOME", str(home))
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: FakeEmbedder())
    assert main(["build"]) == 0  # the saved index of the seed
    table = tmp_path / "cases.csv"
    table.write_text("年度,事案の内容\nR5,窓口で別人に書類を渡してしまった事案\n", encoding="utf-8")
    monkeypatch.setattr(index.dense.DenseIndex, "save", _faiss_disk_full)
    capsys.readouterr()
    assert main(["import", str(table), "--yes"]) == 0
    captured = capsys.readouterr()
    assert "1件を保存しました" in captured.out and "Traceback" not in captured.err
    (warning,) = [line for line in captured.err.splitlines() if line.startswith("警告:")]
    assert "索引を保存できませんでした: ディスクの空きが足りません" in warning
    with Store(store_path(home)) as store:
        assert [i.description for i in store.incidents()] == ["窓口で別人に書類を渡してしまった事案"]


def test_refresh_on_a_full_disk_answers_with_the_new_case_from_memory(tmp_path, monkeypatch):
    from assistant.engine import open_engine, refresh_engine
    from assistant.importer import commit, validate
    from assistant.settings import Settings
    from assistant.store import Store, store_path

    monkeypatch.setenv("ZENREI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    settings = Settings.from_env()
    engine = open_engine(settings, embedder=FakeEmbedder())
    table = tmp_path / "cases.csv"
    table.write_text("id,年度,事案の内容\nnew1,R5,窓口で別人に書類を渡してしまった事案\n", encoding="utf-8")
    with Store(store_path(settings.home)) as store:
        commit(validate(table, store=store), store)
    monkeypatch.setattr(index.snapshot, "write_incidents", _os_disk_full)
    monkeypatch.setattr("index.storage.write_incidents", _os_disk_full)
    refreshed, _ = refresh_engine(engine, settings)
    assert refreshed.save_error and "ディスクの空きが足りません" in refreshed.save_error
    hit = refreshed.searcher.search("窓口で別人に書類を渡してしまった", top_k=1)[0]
    assert hit.incident.id == "new1"
