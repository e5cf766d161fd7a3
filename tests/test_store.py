"""The store of record: every change logged with when and from which file, all-or-nothing imports."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO, SEED

from assistant.store import Store, StoreError, read_store, store_path
from data import read_table


@pytest.fixture
def seed_incidents():
    return read_table(SEED).incidents


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.sqlite3") as opened:
        yield opened


def test_the_store_lives_in_zenreis_data_directory_not_the_repository(zenrei_home):
    from assistant.settings import Settings

    path = store_path(Settings.from_env().home)
    assert path == zenrei_home / "store.sqlite3" and not path.is_relative_to(REPO)


def test_added_incidents_come_back_with_their_source_line_and_every_field(store, seed_incidents):
    store.add_all(seed_incidents, str(SEED))
    back = store.incidents()
    assert [i.id for i in back] == [i.id for i in seed_incidents]
    first, original = back[0], seed_incidents[0]
    assert (first.source, first.line, first.description, first.measures, first.categories) == (
        original.source,
        original.line,
        original.description,
        original.measures,
        original.categories,
    )
    assert first.year_raw == original.year_raw and first.fiscal_year == original.fiscal_year
    assert [c.action for c in store.history()] == ["add"] * len(seed_incidents)
    assert all(c.source_file == str(SEED) and c.at for c in store.history())


def test_a_repeated_id_is_refused_and_nothing_of_that_import_is_stored(store, seed_incidents):
    store.add_all(seed_incidents[:3], str(SEED))
    with pytest.raises(StoreError, match="既に保存されています"):
        store.add_all(seed_incidents[2:6], "again.csv")
    assert len(store.incidents()) == 3


def test_a_failure_in_the_middle_of_an_import_rolls_everything_back(store, seed_incidents):
    def fail_at_five(done):
        if done == 5:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.add_all(seed_incidents, str(SEED), on_row=fail_at_five)
    assert store.incidents() == () and store.history() == []


def test_edit_and_delete_are_logged_and_a_deleted_id_can_be_used_again(store, seed_incidents):
    store.add_all(seed_incidents[:2], str(SEED))
    edited = dataclasses.replace(seed_incidents[0], description="USBメモリを紛失した", measures=("暗号化する",))
    store.edit(edited)
    assert store.incidents()[0].description == "USBメモリを紛失した"
    store.delete(seed_incidents[1].id)
    assert [i.id for i in store.incidents()] == [seed_incidents[0].id]
    history = store.history()
    assert [c.action for c in history[:2]] == ["delete", "edit"]
    assert history[1].detail["fields"] == ["description", "measures"]
    assert history[1].source_file == str(SEED)  # the file the edited case came from
    store.add_all(seed_incidents[1:2], "later.csv")
    assert len(store.incidents()) == 2


def test_editing_or_deleting_an_unknown_id_says_so(store, seed_incidents):
    with pytest.raises(StoreError, match="保存されていません"):
        store.delete("nope")
    with pytest.raises(StoreError, match="保存されていません"):
        store.edit(seed_incidents[0])


def test_reading_a_missing_store_does_not_create_it(tmp_path):
    assert read_store(tmp_path / "none.sqlite3") == ()
    assert not (tmp_path / "none.sqlite3").exists()


_KILLED_IMPORT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from assistant.store import Store
    from data import read_table
    incidents = read_table({seed!r}).incidents
    def stall(done):
        if done == 10:
            print("inside", flush=True)  # half the rows written, transaction still open
            time.sleep(60)
    Store({path!r}).add_all(incidents[1:], "killed.txt", on_row=stall)
    """
)


def test_kill_9_in_the_middle_of_an_import_leaves_the_store_as_before(tmp_path, seed_incidents):
    path = tmp_path / "store.sqlite3"
    with Store(path) as store:
        store.add_all(seed_incidents[:1], "before.txt")
    script = _KILLED_IMPORT.format(repo=str(REPO), seed=str(SEED), path=str(path))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "inside"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with Store(path) as store:
        assert [i.id for i in store.incidents()] == [seed_incidents[0].id]
        assert len(store.history()) == 1
        store.add_all(seed_incidents[1:], "after.txt")  # the store is not left locked
        assert len(store.incidents()) == len(seed_incidents)


# --- a full disk ---------------------------------------------------------------------------
# SQLite's max_page_count makes the database "full" at its present size: writing a page more
# fails with SQLITE_FULL ("database or disk is full"), the very error a full disk gives.


def _fill_up(store: Store) -> None:
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_during_an_import_is_one_line_and_keeps_what_was_stored(store, seed_incidents):
    store.add_all(seed_incidents[:2], "before.txt")
    _fill_up(store)
    with pytest.raises(StoreError) as caught:
        store.add_all(seed_incidents[2:], "full.txt")
    message = str(caught.value)
    assert "ディスクの空きが足りません" in message and "\n" not in message and str(store.path) in message
    assert [i.id for i in store.incidents()] == [i.id for i in seed_incidents[:2]]
    assert len(store.history()) == 2
    store._db.execute("PRAGMA max_page_count = 1073741823")  # space again: the store works
    assert store.add_all(seed_incidents[2:], "after.txt") == len(seed_incidents) - 2


def test_a_full_disk_while_editing_changes_nothing(store, seed_incidents):
    store.add_all(seed_incidents, "before.txt")
    _fill_up(store)
    first = seed_incidents[0]
    longer = dataclasses.replace(first, description=first.description + "追記" * 20_000)  # needs new pages
    with pytest.raises(StoreError, match="ディスクの空きが足りません"):
        store.edit(longer)
    assert store.incidents()[0].description == first.description
    assert [c.action for c in store.history()] == ["add"] * len(seed_incidents)


def test_the_cli_reports_a_full_disk_in_one_line_and_keeps_the_stored_cases(tmp_path, zenrei_home, monkeypatch, capsys):
    from assistant.cli import main

    table = tmp_path / "cases.csv"
    table.write_text("年度,事案の内容\nR5,窓口で別人に書類を渡した\n", encoding="utf-8")
    assert main(["import", str(table), "--yes", "--no-index"]) == 0
    opened = Store.__init__

    def full(self, path):
        opened(self, path)
        _fill_up(self)

    monkeypatch.setattr(Store, "__init__", full)
    big = tmp_path / "big.csv"
    big.write_text("年度,事案の内容\n" + "".join(f"R5,事案{n}{'あ' * 3000}\n" for n in range(20)), encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(big), "--yes", "--no-index"]) == 2
    err = capsys.readouterr().err
    assert "ディスクの空きが足りません" in err and "Traceback" not in err
    monkeypatch.setattr(Store, "__init__", opened)
    with Store(store_path(zenrei_home)) as store:
        assert [i.description for i in store.incidents()] == ["窓口で別人に書類を渡した"]
