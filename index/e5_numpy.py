"""The default model's forward pass in NumPy: questions embedded without importing torch.

Importing torch and sentence-transformers takes ~7 s of CPU on the machines Zenrei runs on;
a question is a few dozen tokens, for which twelve 384-wide layers in NumPy take milliseconds.
This encoder reads the very folder sentence-transformers loads (the materialized
multilingual-e5-small: `model.safetensors`, `tokenizer.json`, mean pooling, normalization)
and computes the same function: XLM-RoBERTa embeddings with positions counted from 2, post-LN
self-attention blocks with the erf GELU (erf to float32 precision), mean over the non-padding tokens, L2 norm. Its
vectors agree with sentence-transformers' at cosine ≥ 0.99999 (tests/test_e5_numpy.py), so an
index built by either is searched by either under the same model id.

The weights are memory-mapped: the 250k-row word table (384 MB) is touched only at the rows a
question uses.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .embedder import BATCH_SIZE, PASSAGE, QUERY, Progress

# What sentence-transformers prepends for each prompt (the folder's config_sentence_transformers.json).
_PROMPTS_FILE = "config_sentence_transformers.json"
_DTYPES = {"F32": np.float32}
_POSITION_OFFSET = 2  # XLM-R: padding_idx (1) + 1


class E5FolderError(ValueError):
    """The folder is not one this encoder can run (another architecture, dtype or pooling)."""


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a .safetensors file as a read-only memory map (no copy, nothing read yet).

    Format: u64 little-endian header length, a JSON header {name: {dtype, shape,
    data_offsets}}, then the raw little-endian data.
    """
    path = Path(path)
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise E5FolderError(f"{path}: tensor {name} has dtype {entry['dtype']}; only F32 is supported")
        start, end = entry["data_offsets"]
        tensors[name] = data[start:end].view(dtype).reshape(entry["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    variance = (centered * centered).mean(axis=-1, keepdims=True)
    return centered / np.sqrt(variance + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU transformers uses for "gelu": x/2 · (1 + erf(x/√2)).

    erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, float32's own rounding), vectorized and
    in place: no SciPy at run time, and this is most of a passage batch's time.
    """
    z = np.abs(x) * np.float32(1.0 / math.sqrt(2.0))
    t = np.float32(1.0) / (np.float32(1.0) + np.float32(0.3275911) * z)
    poly = t * np.float32(1.061405429) + np.float32(-1.453152027)
    for c in (1.421413741, -0.284496736, 0.254829592):
        poly *= t
        poly += np.float32(c)
    poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x|/√2)
    # x/2 · (1 + erf(x/√2)) = x − x/2 · (1 − erf(|x|/√2)) for x ≥ 0, and x/2 · (1 − erf(|x|/√2)) for x < 0
    half = x * np.float32(0.5) * poly
    return np.where(x >= 0, x - half, half)


class NumpyE5Embedder:
    """multilingual-e5-small (or any XLM-R folder with mean pooling) computed in NumPy.

    `deltas` are additions to linear weights by module path (a merged LoRA adapter,
    index/adapter.py); the other weights stay memory-mapped.
    """

    def __init__(self, folder: str | Path, model_id: str, deltas: dict[str, np.ndarray] | None = None):
        from tokenizers import Tokenizer  # Rust, imports in ~0.1 s

        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "xlm-roberta" or config.get("hidden_act") != "gelu":
            raise E5FolderError(f"{folder}: not an XLM-RoBERTa model with GELU")
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        if not pooling.get("pooling_mode_mean_tokens") or not pooling.get("include_prompt", True):
            raise E5FolderError(f"{folder}: only mean pooling over all tokens is supported")
        prompts = json.loads((folder / _PROMPTS_FILE).read_text(encoding="utf-8")).get("prompts", {})
        self._prompts = {name: prompts.get(name, "") for name in (QUERY, PASSAGE)}
        self.model_id = model_id
        self.dim = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config["layer_norm_eps"])
        self._pad = int(config["pad_token_id"])
        max_len = min(int(config["max_position_embeddings"]) - _POSITION_OFFSET, 512)
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_len)
        self._w = read_safetensors(folder / "model.safetensors")
        for path, delta in (deltas or {}).items():
            name = f"{path}.weight"
            if name not in self._w or self._w[name].shape != delta.shape:
                raise E5FolderError(f"{folder}: the adapter does not fit {name}")
            self._w[name] = np.asarray(self._w[name]) + delta.astype(np.float32)
        self.adapter = None

    def _linear(self, x: np.ndarray, module: str) -> np.ndarray:
        # One 2-D GEMM over all tokens of the batch (a 3-D matmul would loop over the batch).
        flat = x.reshape(-1, x.shape[-1]) @ self._w[f"{module}.weight"].T + self._w[f"{module}.bias"]
        return flat.reshape(*x.shape[:-1], flat.shape[-1])

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Token ids (batch × length, right-padded) → mean-pooled, normalized vectors."""
        w = self._w
        batch, length = ids.shape
        positions = np.where(mask, np.cumsum(mask, axis=1) + self._pad, self._pad)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self._eps)
        heads, width = self._heads, self.dim // self._heads
        # Padding keys get a large negative score, as transformers' extended attention mask does.
        key_bias = np.where(mask[:, None, None, :], 0.0, np.finfo(np.float32).min).astype(np.float32)
        scale = np.float32(1.0 / math.sqrt(width))
        for i in range(self._layers):
            p = f"encoder.layer.{i}"

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, heads, width).transpose(0, 2, 1, 3)

            q = split(self._linear(x, f"{p}.attention.self.query"))
            k = split(self._linear(x, f"{p}.attention.self.key"))
            v = split(self._linear(x, f"{p}.attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + key_bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            attention = scores / scores.sum(axis=-1, keepdims=True)
            context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dim)
            x = _layer_norm(
                self._linear(context, f"{p}.attention.output.dense") + x,
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
                self._eps,
            )
            inner = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = _layer_norm(
                self._linear(inner, f"{p}.output.dense") + x,
                w[f"{p}.output.LayerNorm.weight"],
                w[f"{p}.output.LayerNorm.bias"],
                self._eps,
            )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        prefix = self._prompts.get(prompt, "")
        encodings = self._tokenizer.encode_batch([prefix + text for text in texts])
        length = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), length), self._pad, dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=bool)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = True
        return self._forward(ids, mask)

    def embed(self, texts: Sequence[str], prompt: str, progress: Progress | None = None) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Batches of similar length: padding costs time, not correctness (padding is masked out).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(texts), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            out[rows] = self._encode([texts[i] for i in rows], prompt)
            if progress:
                progress(min(start + BATCH_SIZE, len(texts)), len(texts))
        return out
