"""The shipped domain adapter: LoRA weights for multilingual-e5-small, merged into the model at load.

The adapter folder holds what `peft` saves (adapter_config.json, adapter_model.safetensors) and
`zenrei-adapter.json`, the record the training script writes: base model, checksums of the two
files, of the training data and the settings (assistant/adapter_training.py). We merge the
low-rank update into the base weights ourselves (W += alpha/r · B·A), so answering needs no
`peft` and costs nothing extra per question: the merged model is the same size and speed.

A missing adapter, or one whose files do not match the checksums of its record, is never used:
the base model is opened instead, with a notice (logged, warned, and on `embedder.adapter`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ADAPTERS_DIR = Path(__file__).resolve().parent / "adapters"
DEFAULT_ADAPTER = ADAPTERS_DIR / "zenrei-e5-small-lora"
ADAPTER_NAME = "zenrei-lora"
# Whether the default model opens with the adapter when ZENREI_ADAPTER does not say. Off: on the
# held-out fold 0 the shipped (top-2-layer) adapter moved the hybrid by -0.001 nDCG@10 (a top-4
# version: +0.023; bench/quality.py --adapter-folds; README), and assistant/precedent.py has no
# no-precedent thresholds for the adapted model id, so it would give no verdict.
USE_ADAPTER = False
ADAPTER_ENV = "ZENREI_ADAPTER"  # "1"/"on" or "0"/"off"


def adapter_enabled(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    value = env.get(ADAPTER_ENV, "").strip().lower()
    if value in ("1", "on", "true", "yes"):
        return True
    if value in ("0", "off", "false", "no"):
        return False
    return USE_ADAPTER


CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"
RECORD_FILE = "zenrei-adapter.json"

_PREFIX = "base_model.model."  # peft's name for the wrapped model
_SUFFIXES = (".lora_A.weight", ".lora_B.weight")

log = logging.getLogger(__name__)


class AdapterError(ValueError):
    """The adapter cannot be used (missing, altered, or for another model)."""


@dataclass(frozen=True)
class AdapterState:
    """What the caller learns about the adapter: used or not, and why not."""

    applied: bool
    model_id: str  # the id the index is built under (base + adapter when applied)
    notice: str | None = None  # Japanese first; None when all is well


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def adapter_checksum(folder: Path) -> str:
    """One checksum of the adapter's config and weights: changes whenever either changes."""
    digest = hashlib.sha256()
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        digest.update(name.encode())
        digest.update(_sha256(folder / name).encode())
    return digest.hexdigest()


def adapted_model_id(base_model_id: str, checksum: str) -> str:
    return f"{base_model_id}+{ADAPTER_NAME}@{checksum[:12]}"


@dataclass(frozen=True)
class Adapter:
    folder: Path
    checksum: str
    rank: int
    alpha: float
    base_model_id: str
    record: dict

    def model_id(self) -> str:
        return adapted_model_id(self.base_model_id, self.checksum)


def read_adapter(folder: Path, base_model_id: str) -> Adapter:
    """The adapter in `folder`, checked against its record; AdapterError saying what is wrong."""
    folder = Path(folder)
    try:
        record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AdapterError(f"アダプタがありません (adapter missing): {exc.filename}") from exc
    except (OSError, ValueError) as exc:
        raise AdapterError(f"アダプタを読めません (adapter unreadable): {exc}") from exc
    if not (folder / WEIGHTS_FILE).is_file():
        raise AdapterError(f"アダプタの重みがありません (adapter weights missing): {folder / WEIGHTS_FILE}")
    if record.get("base_model_id") != base_model_id:
        raise AdapterError(f"アダプタは別のモデル用です (adapter is for {record.get('base_model_id')!r})")
    for name, key in ((CONFIG_FILE, "config_sha256"), (WEIGHTS_FILE, "weights_sha256")):
        if _sha256(folder / name) != record.get(key):
            raise AdapterError(f"アダプタが改変されています (checksum mismatch): {folder / name}")
    if config.get("peft_type") != "LORA" or config.get("use_dora") or config.get("use_rslora"):
        raise AdapterError("対応していない種類のアダプタです (only plain LoRA adapters are supported)")
    return Adapter(
        folder=folder,
        checksum=adapter_checksum(folder),
        rank=int(config["r"]),
        alpha=float(config["lora_alpha"]),
        base_model_id=base_model_id,
        record=record,
    )


def lora_deltas(adapter: Adapter) -> dict[str, np.ndarray]:
    """Module path inside the transformer -> the update to add to its weight (out × in)."""
    from safetensors.numpy import load_file

    tensors = load_file(str(adapter.folder / WEIGHTS_FILE))
    scale = adapter.alpha / adapter.rank
    deltas = {}
    for name, a in tensors.items():
        if not name.endswith(_SUFFIXES[0]):
            continue
        module = name[: -len(_SUFFIXES[0])]
        b = tensors.get(module + _SUFFIXES[1])
        if b is None:
            raise AdapterError(f"アダプタの重みが欠けています (missing {module}{_SUFFIXES[1]})")
        path = module[len(_PREFIX) :] if module.startswith(_PREFIX) else module
        deltas[path] = scale * (b.astype(np.float32) @ a.astype(np.float32))
    if not deltas:
        raise AdapterError("アダプタに LoRA の重みがありません (no LoRA weights in the adapter)")
    return deltas


def merge_into(transformer, adapter: Adapter) -> None:
    """Add the adapter's updates to a transformers model's linear weights, in place."""
    merge_deltas(transformer, lora_deltas(adapter))


def merge_deltas(transformer, deltas: dict[str, np.ndarray]) -> None:
    """Add weight updates (module path -> out × in array) to a transformers model, in place."""
    import torch

    with torch.no_grad():
        for path, delta in deltas.items():
            try:
                weight = transformer.get_submodule(path).weight
            except AttributeError as exc:
                raise AdapterError(f"アダプタがモデルに合いません (no module {path})") from exc
            if tuple(weight.shape) != delta.shape:
                raise AdapterError(f"アダプタがモデルに合いません ({path}: {delta.shape} vs {tuple(weight.shape)})")
            weight.add_(torch.from_numpy(delta).to(weight.dtype))


def open_adapted(base_folder: Path, base_model_id: str, adapter_folder: Path = DEFAULT_ADAPTER):
    """The base model with the adapter merged in; the base alone (with a notice) if it cannot be."""
    from .embedder import SentenceTransformerEmbedder

    try:
        adapter = read_adapter(adapter_folder, base_model_id)
    except AdapterError as exc:
        return _base_with_notice(SentenceTransformerEmbedder(base_folder, model_id=base_model_id), exc)
    embedder = SentenceTransformerEmbedder(base_folder, model_id=adapter.model_id())
    try:
        merge_into(embedder._model[0].auto_model, adapter)
    except (AdapterError, OSError, ValueError) as exc:
        # Half-merged weights must not be used: start again from the base.
        return _base_with_notice(SentenceTransformerEmbedder(base_folder, model_id=base_model_id), exc)
    embedder.adapter = AdapterState(applied=True, model_id=embedder.model_id)
    return embedder


def open_adapted_split(base_folder, base_model_id: str, dim: int, adapter_folder: Path = DEFAULT_ADAPTER):
    """The default model with the adapter, as index/embedder.SplitEmbedder (NumPy for questions,
    sentence-transformers for batches), the adapter read and checked once and merged into both;
    the base (with a notice) if it cannot be used. `base_folder()` gives the materialized folder."""
    from .embedder import split_engines

    try:
        adapter = read_adapter(adapter_folder, base_model_id)
        deltas = lora_deltas(adapter)
    except AdapterError as exc:
        return _base_with_notice(split_engines(base_folder, base_model_id, dim), exc)
    split = split_engines(base_folder, adapter.model_id(), dim, deltas)
    split.adapter = AdapterState(applied=True, model_id=split.model_id)
    return split


def _base_with_notice(embedder, error: Exception):
    notice = f"領域適応アダプタを使わず基本モデルで検索します (using the base model): {error}"
    log.warning(notice)
    warnings.warn(notice, RuntimeWarning, stacklevel=3)
    embedder.adapter = AdapterState(applied=False, model_id=embedder.model_id, notice=notice)
    return embedder
