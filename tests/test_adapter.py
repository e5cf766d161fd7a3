"""The domain adapter: merged as peft merges it, verified by checksum, and never half-used."""

from __future__ import annotations

import copy
import json
import random
import warnings

import numpy as np
import pytest

from assistant import adapter_training as training
from index import adapter as adapters
from index.offline_model import DEFAULT_MODEL_ID

TARGETS = ["query", "key", "value", "dense"]


def tiny_transformer():
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    torch.manual_seed(0)
    config = XLMRobertaConfig(
        vocab_size=60,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=40,
    )
    return XLMRobertaModel(config).eval()


def write_adapter(folder, base, seed=0):
    """A LoRA with random (non-zero) B matrices around a copy of `base`, saved as training saves."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)

    lora = LoraConfig(r=4, lora_alpha=8, target_modules=TARGETS, init_lora_weights=False)
    wrapped = get_peft_model(copy.deepcopy(base), lora)
    training.save(wrapped, folder, [], training.TrainingConfig(), {"x": "0" * 64}, 1.0)
    return wrapped


def test_merging_the_saved_adapter_gives_the_weights_peft_merges(tmp_path):
    base = tiny_transformer()
    wrapped = write_adapter(tmp_path / "a", base)
    adapter = adapters.read_adapter(tmp_path / "a", DEFAULT_MODEL_ID)
    adapters.merge_into(base, adapter)
    want = wrapped.merge_and_unload().state_dict()
    got = base.state_dict()
    changed = 0
    for name, value in want.items():
        assert np.allclose(got[name].numpy(), value.numpy(), atol=1e-6), name
        changed += not np.allclose(value.numpy(), tiny_transformer().state_dict()[name].numpy())
    assert changed >= 2 * 6  # every targeted linear layer of both layers moved


def test_the_saved_adapter_names_no_machine_path_and_records_its_checksums(tmp_path):
    write_adapter(tmp_path / "a", tiny_transformer())
    config = json.loads((tmp_path / "a" / adapters.CONFIG_FILE).read_text(encoding="utf-8"))
    assert config["base_model_name_or_path"] == DEFAULT_MODEL_ID
    record = json.loads((tmp_path / "a" / adapters.RECORD_FILE).read_text(encoding="utf-8"))
    assert record["weights_sha256"] == adapters._sha256(tmp_path / "a" / adapters.WEIGHTS_FILE)
    assert record["settings"]["seed"] == training.TrainingConfig().seed
    assert not (tmp_path / "a" / "README.md").exists()


def test_the_model_id_names_base_and_adapter_and_changes_with_the_weights(tmp_path):
    write_adapter(tmp_path / "a", tiny_transformer())
    first = adapters.read_adapter(tmp_path / "a", DEFAULT_MODEL_ID).model_id()
    assert first.startswith(f"{DEFAULT_MODEL_ID}+{adapters.ADAPTER_NAME}@")
    write_adapter(tmp_path / "b", tiny_transformer(), seed=1)
    assert adapters.read_adapter(tmp_path / "b", DEFAULT_MODEL_ID).model_id() != first


def test_an_altered_or_missing_adapter_is_refused_with_a_reason(tmp_path):
    write_adapter(tmp_path / "a", tiny_transformer())
    weights = tmp_path / "a" / adapters.WEIGHTS_FILE
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01
    weights.write_bytes(bytes(data))
    with pytest.raises(adapters.AdapterError, match="checksum"):
        adapters.read_adapter(tmp_path / "a", DEFAULT_MODEL_ID)
    with pytest.raises(adapters.AdapterError, match="missing"):
        adapters.read_adapter(tmp_path / "nothing", DEFAULT_MODEL_ID)
    write_adapter(tmp_path / "c", tiny_transformer())
    with pytest.raises(adapters.AdapterError, match="別のモデル"):
        adapters.read_adapter(tmp_path / "c", "some-other-model")


def test_the_shipped_adapter_matches_its_record():
    if not adapters.DEFAULT_ADAPTER.exists():
        pytest.skip("no adapter shipped")
    adapter = adapters.read_adapter(adapters.DEFAULT_ADAPTER, DEFAULT_MODEL_ID)
    assert adapter.record["training_pairs"] > 0 and len(adapter.record["training_data_sha256"]) >= 4
    assert sum(p.stat().st_size for p in adapters.DEFAULT_ADAPTER.iterdir()) < 8 * 2**20  # a few MB


def _pairs_benchmark():
    from assistant import crossval
    from data.records import Incident

    def inc(i, body, kind, subtype=""):
        meta = {"body": body, "incident_type": kind, "incident_subtype": subtype}
        return Incident(i, "t.jsonl", 1, None, "", f"{kind} {i} の説明", (), (), metadata=meta)

    incidents = [
        inc("A1", "甲市", "紛失", "USB"),
        inc("A2", "乙市", "紛失", "USB"),
        inc("A3", "丙市", "紛失"),
        inc("B1", "丁市", "誤交付"),
        inc("B2", "戊市", "誤交付"),
    ]
    return crossval.make_benchmark(incidents, {}), incidents


def test_training_pairs_use_only_the_allowed_incidents():
    benchmark, _ = _pairs_benchmark()
    allowed = frozenset({"A1", "A2", "B1", "B2"})
    pairs = training.training_pairs(benchmark, allowed, {})
    texts = {t for p in pairs for t in (p.anchor, p.positive)}
    assert "紛失 A3 の説明" not in texts
    assert training.Pair("紛失 A1 の説明", "紛失 A2 の説明", "紛失") in pairs  # same subtype
    assert all(p.group in ("紛失", "誤交付") for p in pairs)


def test_batches_avoid_two_pairs_of_one_kind_and_keep_every_pair():
    pairs = [training.Pair(f"a{i}", f"p{i}", f"g{i % 5}") for i in range(40)]
    out = training.batches(pairs, 4, random.Random(0))
    assert sorted(p.anchor for b in out for p in b) == sorted(p.anchor for p in pairs)
    mixed = [b for b in out if len({p.group for p in b}) == len(b)]
    assert len(mixed) >= 0.8 * len(out)  # a batch of one kind only where the pairs leave no choice


@pytest.mark.real_model
def test_the_default_model_opens_with_the_adapter_or_falls_back_to_the_base_with_a_notice(real_model_dir, tmp_path):
    from index.embedder import SentenceTransformerEmbedder

    base = SentenceTransformerEmbedder(real_model_dir, model_id=DEFAULT_MODEL_ID)
    text = ["窓口で別の人に住民票を渡した"]
    with pytest.warns(RuntimeWarning, match="基本モデル"):
        missing = adapters.open_adapted(real_model_dir, DEFAULT_MODEL_ID, tmp_path / "none")
    assert not missing.adapter.applied and missing.adapter.notice
    assert missing.model_id == DEFAULT_MODEL_ID
    assert np.allclose(missing.embed(text, "query"), base.embed(text, "query"))
    if adapters.DEFAULT_ADAPTER.exists():
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            adapted = adapters.open_adapted(real_model_dir, DEFAULT_MODEL_ID)
        assert adapted.adapter.applied and adapted.model_id != DEFAULT_MODEL_ID
        assert not np.allclose(adapted.embed(text, "query"), base.embed(text, "query"), atol=1e-3)


def test_zenrei_adapter_switches_the_adapter_on_or_off_over_the_built_in_choice():
    assert adapters.adapter_enabled({"ZENREI_ADAPTER": "1"}) is True
    assert adapters.adapter_enabled({"ZENREI_ADAPTER": "off"}) is False
    assert adapters.adapter_enabled({}) is adapters.USE_ADAPTER


def test_another_model_never_gets_the_adapter(tmp_path, monkeypatch):
    from index import embedder as embedders

    opened = []
    monkeypatch.setenv("ZENREI_ADAPTER", "1")
    monkeypatch.setattr(adapters, "open_adapted", lambda *a, **k: opened.append(a))
    monkeypatch.setattr(embedders, "SentenceTransformerEmbedder", lambda path, model_id=None: ("plain", model_id))
    folder = tmp_path / "other-model"
    folder.mkdir()
    assert embedders.open_embedder(str(folder), tmp_path)[0] == "plain"
    assert not opened
