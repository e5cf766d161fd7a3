"""A question is embedded in NumPy, with the very vectors sentence-transformers gives, and the
CLI answers without importing torch."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.corpus import load_corpus
from index.e5_numpy import E5FolderError, NumpyE5Embedder, read_safetensors
from index.embedder import LIGHT_MAX_TEXTS, PASSAGE, QUERY, SentenceTransformerEmbedder, SplitEmbedder, open_embedder

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "data" / "tables" / "seed.txt"

QUESTIONS = [
    "封筒に別の人の受給者証を入れてしまった",
    "ＦＡＸ番号を１桁間違えて送信した",  # full-width digits and letters: the tokenizer's normalization
    "令和元年度、USBメモリを紛失",
    "a",
    "",
    "誤送付 " * 400,  # over 512 tokens: truncated as sentence-transformers truncates
]


@pytest.fixture(scope="module")
def engines(real_model_dir):
    return NumpyE5Embedder(real_model_dir, "m"), SentenceTransformerEmbedder(real_model_dir, "m")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_questions_get_the_vectors_sentence_transformers_gives(engines):
    light, heavy = engines
    got, want = light.embed(QUESTIONS, QUERY), heavy.embed(QUESTIONS, QUERY)
    assert got.shape == want.shape == (len(QUESTIONS), 384) and got.dtype == np.float32
    assert _cosines(got, want).min() >= 0.99999
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_seed_incidents_get_the_same_passage_vectors_in_one_padded_batch(engines):
    light, heavy = engines
    texts = [inc.description for inc in load_corpus([SEED]).incidents]
    got = light.embed(texts, PASSAGE)  # lengths differ: padding must not change any vector
    assert _cosines(got, heavy.embed(texts, PASSAGE)).min() >= 0.99999
    one_by_one = np.vstack([light.embed([t], PASSAGE) for t in texts[:4]])
    assert _cosines(got[:4], one_by_one).min() >= 0.99999


def test_the_prompt_matters(engines):
    light, _ = engines
    q, p = light.embed(["封筒の誤封入"], QUERY), light.embed(["封筒の誤封入"], PASSAGE)
    assert float(_cosines(q, p)[0]) < 0.9999


def test_the_default_model_answers_questions_in_numpy_and_builds_with_sentence_transformers(real_model_dir):
    embedder = open_embedder(str(real_model_dir), real_model_dir.parent)
    assert isinstance(embedder, SplitEmbedder) and not embedder.loaded
    embedder.embed(["宛名を間違えた"], QUERY)
    assert embedder.loaded and isinstance(embedder._light.load(), NumpyE5Embedder)
    assert not embedder._heavy.loaded
    batch = [f"事案{i}" for i in range(LIGHT_MAX_TEXTS + 1)]
    assert embedder.embed(batch, PASSAGE).shape == (len(batch), 384) and embedder._heavy.loaded


def test_a_folder_the_numpy_engine_cannot_run_is_refused_by_name(tmp_path, real_model_dir):
    folder = tmp_path / "other"
    folder.mkdir()
    config = json.loads((real_model_dir / "config.json").read_text(encoding="utf-8"))
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "bert"}), encoding="utf-8")
    with pytest.raises(E5FolderError, match="XLM-RoBERTa"):
        NumpyE5Embedder(folder, "m")
    half = tmp_path / "half.safetensors"
    header = json.dumps({"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}).encode()
    half.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 4)
    with pytest.raises(E5FolderError, match="half.safetensors.*F16"):
        read_safetensors(half)


def test_a_cli_search_on_a_saved_index_never_imports_torch(tmp_path, real_model_dir):
    env = {
        **os.environ,
        "ZENREI_HOME": str(tmp_path / "home"),
        "ZENREI_MODEL": str(real_model_dir),
        "ZENREI_DATA": str(SEED),
        "HF_HUB_OFFLINE": "1",
    }
    subprocess.run([sys.executable, "-m", "assistant", "build"], cwd=REPO, env=env, check=True, capture_output=True)
    code = (
        "import sys, json; from assistant.cli import main; "
        "code = main(['search', '封筒に別の人の受給者証を入れて送ってしまった', '--top', '3', '--json']); "
        "print(json.dumps({'code': code, 'torch': 'torch' in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    hits, status = json.loads("\n".join(lines[:-1])), json.loads(lines[-1])
    assert status == {"code": 0, "torch": False}
    assert {h["id"] for h in hits} & {"12", "14", "19"}


def test_the_adapted_model_gives_the_same_vectors_in_both_engines(real_model_dir, tmp_path):
    from index.adapter import open_adapted_split
    from index.offline_model import DEFAULT_MODEL_ID

    adapted = open_adapted_split(lambda: real_model_dir, DEFAULT_MODEL_ID, 384)
    assert adapted.adapter.applied and adapted.model_id != DEFAULT_MODEL_ID
    light, heavy = adapted._light.load(), adapted._heavy.load()
    assert _cosines(light.embed(QUESTIONS[:3], QUERY), heavy.embed(QUESTIONS[:3], QUERY)).min() >= 0.99999
    base = NumpyE5Embedder(real_model_dir, "m").embed(QUESTIONS[:1], QUERY)
    assert float(_cosines(light.embed(QUESTIONS[:1], QUERY), base)[0]) < 0.9999  # the update is applied
    with pytest.warns(RuntimeWarning, match="基本モデル"):
        missing = open_adapted_split(lambda: real_model_dir, DEFAULT_MODEL_ID, 384, tmp_path / "none")
    assert not missing.adapter.applied and missing.model_id == DEFAULT_MODEL_ID


def test_a_question_asked_again_is_not_embedded_again(real_model_dir):
    embedder = open_embedder(str(real_model_dir), real_model_dir.parent)
    first = embedder.embed(["宛名を間違えた"], QUERY)
    calls = []
    light = embedder._light.load()
    original = light.embed
    light.embed = lambda texts, prompt, progress=None: calls.append(texts) or original(texts, prompt, progress)
    again = embedder.embed(["宛名を間違えた"], QUERY)
    assert calls == [] and np.array_equal(first, again)
    again[0, 0] = 5.0  # the caller's copy: the remembered vector is untouched
    assert np.array_equal(embedder.embed(["宛名を間違えた"], QUERY), first)
    embedder.embed(["宛名を間違えた"], PASSAGE)  # another prompt is another vector
    assert calls == [["宛名を間違えた"]]
