"""Start-up without the model: a lazy embedder, the dictionary vectors cached beside the index,
and no torch imported until something is embedded."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, SEED, FakeEmbedder

from data import read_table
from index import embedder as embedder_module
from index.concept_cache import cache_path, warm_concepts
from index.embedder import LazyEmbedder, folder_dimension, open_embedder
from index.storage import build_searcher
from index.synonyms import GROUPS


class CountingEmbedder(FakeEmbedder):
    def __init__(self, model_id: str = FakeEmbedder.model_id):
        self.model_id = model_id
        self.texts = 0

    def embed(self, texts, prompt, progress=None):
        self.texts += len(texts)
        return super().embed(texts, prompt, progress)


def _searcher(embedder):
    return build_searcher(read_table(SEED).incidents, embedder)


def test_the_dictionary_vectors_are_embedded_once_then_read_from_beside_the_index(tmp_path):
    index_dir = tmp_path / "index" / "default"
    first = CountingEmbedder()
    searcher = _searcher(first)
    before = first.texts
    warm_concepts(searcher, index_dir)
    assert first.texts - before == len(GROUPS)
    assert cache_path(index_dir).is_file()

    second = CountingEmbedder()
    again = _searcher(second)
    embedded_for_index = second.texts
    warm_concepts(again, index_dir)
    assert second.texts == embedded_for_index  # nothing embedded: read from the file
    for concept, vector in searcher.concept_vectors().items():
        np.testing.assert_array_equal(again.concept_vectors()[concept], vector)
    # And the search is the same as with freshly embedded vectors.
    question = "封筒に別の人の受給者証を入れて送ってしまった"
    assert [h.incident.id for h in again.search(question)] == [h.incident.id for h in searcher.search(question)]


def test_vectors_of_another_model_or_a_damaged_file_are_embedded_again(tmp_path):
    index_dir = tmp_path / "index" / "default"
    warm_concepts(_searcher(CountingEmbedder("model-a")), index_dir)
    other = CountingEmbedder("model-b")
    searcher = _searcher(other)
    before = other.texts
    warm_concepts(searcher, index_dir)
    assert other.texts - before == len(GROUPS)  # another model: its own vectors

    cache_path(index_dir).write_bytes(b"not an npz file")
    third = CountingEmbedder("model-b")
    searcher = _searcher(third)
    before = third.texts
    warm_concepts(searcher, index_dir)
    assert third.texts - before == len(GROUPS)
    assert len(searcher.concept_vectors()) == len(GROUPS)


def _st_folder(path, dim=384, extra_module=None):
    path.mkdir(parents=True)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    if extra_module:
        modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": extra_module})
    (path / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    (path / "1_Pooling").mkdir()
    (path / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": dim}), encoding="utf-8")
    return path


def test_a_model_folder_is_opened_without_loading_the_model(tmp_path, monkeypatch):
    loaded = []

    class Model(FakeEmbedder):
        def __init__(self, folder, model_id=None):
            loaded.append(folder)
            self.model_id, self.dim = model_id, 384

    monkeypatch.setattr(embedder_module, "SentenceTransformerEmbedder", Model)
    folder = _st_folder(tmp_path / "model")
    embedder = open_embedder(str(folder), tmp_path / "cache")
    assert isinstance(embedder, LazyEmbedder)
    assert (embedder.model_id, embedder.dim, embedder.loaded, loaded) == (f"path:{folder}", 384, False, [])
    vectors = embedder.embed(["封筒"], "query")
    assert vectors.shape == (1, 384) and loaded == [folder] and embedder.loaded
    embedder.embed(["宛名"], "query")
    assert loaded == [folder]  # loaded once


def test_a_folder_whose_dimension_needs_the_model_is_loaded_at_once(tmp_path):
    folder = _st_folder(tmp_path / "dense", extra_module="sentence_transformers.models.Dense")
    assert folder_dimension(folder) is None
    assert folder_dimension(tmp_path / "missing") is None


def test_a_model_that_is_not_the_one_announced_is_refused():
    embedder = LazyEmbedder("expected", 256, lambda: FakeEmbedder())
    with pytest.raises(ValueError, match="not the expected"):
        embedder.embed(["封筒"], "query")


def test_a_background_load_is_shared_with_the_first_question():
    calls = []

    def load():
        calls.append(1)
        return FakeEmbedder()

    embedder = LazyEmbedder(FakeEmbedder.model_id, FakeEmbedder.dim, load)
    embedder.load_in_background()
    embedder.load_in_background()
    embedder.embed(["封筒"], "query")
    assert calls == [1]


def test_opening_the_engine_and_the_chat_modules_imports_no_torch():
    code = (
        "import sys; import assistant.engine, assistant.conversation, assistant.answer, ui.cards; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
