"""The saved index: reused when it matches, rebuilt when data or model change, never loaded damaged."""

import json

import pytest
from conftest import SEED, FakeEmbedder

from data import read_table
from index.manifest import MANIFEST_NAME, IndexMismatch, data_checksum
from index.storage import DESCRIPTIONS_FILE, expected_manifest, load_searcher, open_searcher


@pytest.fixture
def incidents():
    return read_table(SEED).incidents


def test_first_open_builds_and_second_open_reuses(tmp_path, incidents, fake_embedder):
    checksum = data_checksum([SEED])
    _, first = open_searcher(incidents, fake_embedder, checksum, tmp_path / "idx")
    searcher, second = open_searcher(incidents, fake_embedder, checksum, tmp_path / "idx")
    assert first is not None and second is None
    assert searcher.search("予診票", top_k=1)[0].incident.id in {"4", "13"}


def test_manifest_records_model_dimension_count_and_checksums(tmp_path, incidents, fake_embedder):
    open_searcher(incidents, fake_embedder, "abc", tmp_path / "idx")
    manifest = json.loads((tmp_path / "idx" / MANIFEST_NAME).read_text())
    assert manifest["model_id"] == fake_embedder.model_id
    assert manifest["dim"] == 256 and manifest["count"] == 19
    assert manifest["data_checksum"] == "abc"
    assert DESCRIPTIONS_FILE in manifest["files"]


def test_changed_data_rebuilds(tmp_path, incidents, fake_embedder):
    open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx")
    _, reason = open_searcher(incidents[:10], fake_embedder, "v2", tmp_path / "idx")
    assert reason and "count" in reason


def test_changed_model_rebuilds(tmp_path, incidents, fake_embedder):
    open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx")

    class OtherModel(FakeEmbedder):
        model_id = "another-model"

    searcher, reason = open_searcher(incidents, OtherModel(), "v1", tmp_path / "idx")
    assert reason and "model_id" in reason
    assert searcher.embedder.model_id == "another-model"


def test_a_mismatched_index_is_never_loaded_silently(tmp_path, incidents, fake_embedder):
    open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx")
    with pytest.raises(IndexMismatch, match="data_checksum"):
        load_searcher(incidents, fake_embedder, expected_manifest(incidents, fake_embedder, "v2"), tmp_path / "idx")


def test_a_corrupted_index_file_is_detected_and_rebuilt(tmp_path, incidents, fake_embedder):
    open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx")
    target = tmp_path / "idx" / DESCRIPTIONS_FILE
    target.write_bytes(target.read_bytes()[:100])  # truncated
    _, reason = open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx")
    assert reason and "checksum" in reason
    _, again = open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx")
    assert again is None


def test_a_build_leaves_no_staging_directories_behind(tmp_path, incidents, fake_embedder):
    open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx")
    open_searcher(incidents, fake_embedder, "v2", tmp_path / "idx")
    # Only the index folder (and the lock file that serializes builds) remains.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".idx.lock", "idx"]


def test_progress_is_reported_while_building(tmp_path, incidents, fake_embedder):
    seen = []
    open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx", progress=lambda m, d, t: seen.append((m, d, t)))
    assert seen[-1][1] == seen[-1][2]
    assert any("埋め込み" in message for message, _, _ in seen)


def test_concurrent_rebuilds_of_one_index_never_fail(tmp_path, incidents, fake_embedder):
    import threading

    errors = []

    def rebuild(n):
        for i in range(10):
            try:
                open_searcher(incidents, fake_embedder, f"v{n}-{i}", tmp_path / "idx")
            except Exception as exc:  # noqa: BLE001 - any escape is the failure under test
                errors.append(exc)

    threads = [threading.Thread(target=rebuild, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["idx"]


def test_an_index_left_only_as_the_retired_copy_is_restored_not_rebuilt(tmp_path, incidents, fake_embedder):
    open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx")
    (tmp_path / "idx").rename(tmp_path / ".idx.old")  # as if killed between the two renames
    _, reason = open_searcher(incidents, fake_embedder, "v1", tmp_path / "idx")
    assert reason is None
