"""Training the domain adapter: a LoRA fine-tune of multilingual-e5-small on labelled incidents.

    python -m assistant.adapter_training                 # train on every labelled incident, write
                                                         # index/adapters/zenrei-e5-small-lora/
    python -m assistant.adapter_training --out DIR       # somewhere else

Pairs (anchor, positive), all texts with e5's "query: " on both sides, as the index embeds
descriptions (a new incident against past ones is a symmetric task):
- a dev query (data/eval) -> each of its grade-2 incidents;
- an incident -> each incident of the same `incident_subtype`;
- an incident -> `SAME_TYPE_PARTNERS` incidents of the same `incident_type`, drawn with the seed.
For cross-validation (bench/quality.py --adapter) only a fold's training part is used: its
training-fold queries, and positives among its training incidents and the seed.

Loss: sentence-transformers' MultipleNegativesRankingLoss (the other positives of the batch
are the negatives). A batch avoids two pairs of one incident type where it can, since those
"negatives" would be precedents of the same kind. One epoch, fixed seed, on CPU.

The record written next to the adapter (zenrei-adapter.json) holds the checksums index/adapter.py
verifies, the checksum of the training pairs and of the files they came from, the settings, and
the time it took. Needs `peft` (requirements-dev.txt); answering with the adapter does not.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.adapter import CONFIG_FILE, DEFAULT_ADAPTER, RECORD_FILE, WEIGHTS_FILE, _sha256
from index.offline_model import DEFAULT_MODEL_ID

from .crossval import DEV_OTHER, DEV_SEED, Benchmark, Fold

QUERY_PREFIX = "query: "


@dataclass(frozen=True)
class TrainingConfig:
    seed: int = 20261201
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.1
    targets: tuple[str, ...] = ("query", "key", "value", "dense")  # every linear layer of the encoder
    learning_rate: float = 2e-4
    batch_size: int = 16
    epochs: int = 1
    max_seq_length: int = 128
    warmup_share: float = 0.1
    same_type_partners: int = 1
    trained_layers: int = 2  # LoRA on the top layers only; the others stay as e5 made them
    scale: float = 20.0  # MNRL's similarity scale (its default)


@dataclass(frozen=True)
class Pair:
    anchor: str
    positive: str
    group: str  # the positive's incident type: two pairs of one group in a batch are avoided


def _type_of(incident) -> str:
    return incident.metadata.get("incident_type", "").strip()


def _group_of(incident) -> str:
    return _type_of(incident) or (incident.kinds[0] if incident.kinds else f"id:{incident.id}")


def training_pairs(
    benchmark: Benchmark,
    allowed_ids: frozenset[str],
    queries: dict[str, Sequence],
    config: TrainingConfig = TrainingConfig(),
) -> list[Pair]:
    """Pairs from the incidents in `allowed_ids` and the dev `queries` (set name -> queries);
    a query's positives are limited to `allowed_ids` too."""
    rng = random.Random(config.seed)
    by_id = {inc.id: inc for inc in (*benchmark.seed, *benchmark.labelled)}
    pairs: list[Pair] = []
    for name in (DEV_SEED, DEV_OTHER):
        for q in queries.get(name, ()):
            for doc, grade in q.relevant.items():
                if grade == 2 and doc in allowed_ids and doc in by_id:
                    pairs.append(Pair(q.text, by_id[doc].description, _group_of(by_id[doc])))
    labelled = [inc for inc in benchmark.labelled if inc.id in allowed_ids and _type_of(inc)]
    by_type: dict[str, list] = {}
    by_subtype: dict[str, list] = {}
    for inc in labelled:
        by_type.setdefault(_type_of(inc), []).append(inc)
        subtype = inc.metadata.get("incident_subtype", "").strip()
        if subtype:
            by_subtype.setdefault(subtype, []).append(inc)
    for members in by_subtype.values():
        for a in members:
            for b in members:
                if a.id != b.id:
                    pairs.append(Pair(a.description, b.description, _group_of(b)))
    for inc in labelled:
        others = [o for o in by_type[_type_of(inc)] if o.id != inc.id]
        for partner in rng.sample(others, min(config.same_type_partners, len(others))):
            pairs.append(Pair(inc.description, partner.description, _group_of(partner)))
    return pairs


def fold_pairs(fold: Fold, config: TrainingConfig = TrainingConfig()) -> list[Pair]:
    """The pairs a fold may learn from: its training incidents, the seed, its training queries."""
    return training_pairs(fold.benchmark, fold.train_ids | fold.seed_ids, fold.train, config)


def all_pairs(benchmark: Benchmark, config: TrainingConfig = TrainingConfig()) -> list[Pair]:
    """The pairs of the shipped adapter: every labelled incident and every dev query."""
    ids = frozenset(inc.id for inc in (*benchmark.seed, *benchmark.labelled))
    queries = {name: s.queries for name, s in benchmark.sets.items()}
    return training_pairs(benchmark, ids, queries, config)


def pairs_checksum(pairs: Sequence[Pair], config: TrainingConfig) -> str:
    digest = hashlib.sha256(json.dumps(dataclasses.asdict(config), sort_keys=True).encode())
    for p in pairs:
        digest.update(f"{p.anchor}\t{p.positive}\t{p.group}\n".encode())
    return digest.hexdigest()


def batches(pairs: Sequence[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffled batches; within one, no two pairs of one group and no repeated text, as far as
    the pairs allow. What cannot be placed so (a large type's last pairs) is batched plainly."""
    pending = list(pairs)
    rng.shuffle(pending)
    out: list[list[Pair]] = []
    while pending:
        batch, groups, texts, rest = [], set(), set(), []
        for p in pending:
            if len(batch) < size and p.group not in groups and not {p.anchor, p.positive} & texts:
                batch.append(p)
                groups.add(p.group)
                texts.update((p.anchor, p.positive))
            else:
                rest.append(p)
        if len(batch) < size // 2:
            rest = batch + rest
            out.extend(rest[i : i + size] for i in range(0, len(rest), size))
            break
        out.append(batch)
        pending = rest
    return [b for b in out if len(b) > 1]  # a lone pair has no negative to learn from


class Encoder:
    """The base model split at layer `12 - trained_layers`: the frozen bottom runs once per text
    (its output is remembered), the top carries the LoRA. Training and embedding then cost the
    top layers only (2 shared cores under load: LoRA on every layer ran ~40 s a batch, on the
    top 4 ~10-50 s; the top 2 and one same-type partner keep a run near 10 minutes). The merged
    adapter gives the same vectors as this split (index/adapter.py)."""

    def __init__(self, base_folder: Path, config: TrainingConfig = TrainingConfig()):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.manual_seed(config.seed)
        self.config = config
        self.model = SentenceTransformer(str(base_folder), device="cpu")
        self.model.max_seq_length = config.max_seq_length
        self.prompts = dict(getattr(self.model, "prompts", {}) or {})
        self.transformer = self.model[0].auto_model
        layers = self.transformer.config.num_hidden_layers
        self.split = layers - config.trained_layers
        self.top_layers = list(range(self.split, layers))
        self._bottom: dict[str, object] = {}  # prefixed text -> (tokens, hidden) tensor

    def bottom(self, texts: Sequence[str]) -> None:
        """Remember the frozen layers' output for these (prefixed) texts."""
        import torch

        missing = [t for t in dict.fromkeys(texts) if t not in self._bottom]
        self.transformer.eval()
        with torch.no_grad():
            for start in range(0, len(missing), 32):
                chunk = missing[start : start + 32]
                features = self.model.tokenize(chunk)
                out = self.transformer(
                    input_ids=features["input_ids"],
                    attention_mask=features["attention_mask"],
                    output_hidden_states=True,
                )
                hidden = out.hidden_states[self.split]
                for row, text in enumerate(chunk):
                    length = int(features["attention_mask"][row].sum())
                    self._bottom[text] = hidden[row, :length].clone()

    def top(self, texts: Sequence[str], layers) -> object:
        """Normalized mean-pooled vectors of (prefixed) texts through `layers` (with LoRA)."""
        import torch
        from transformers.masking_utils import create_bidirectional_mask

        self.bottom(texts)
        states = [self._bottom[t] for t in texts]
        longest = max(s.shape[0] for s in states)
        hidden = torch.zeros(len(states), longest, states[0].shape[1])
        mask = torch.zeros(len(states), longest, dtype=torch.long)
        for row, state in enumerate(states):
            hidden[row, : state.shape[0]] = state
            mask[row, : state.shape[0]] = 1
        attention = create_bidirectional_mask(
            config=self.transformer.config, inputs_embeds=hidden, attention_mask=mask
        )
        for layer in layers:
            hidden = layer(hidden, attention)
            hidden = hidden[0] if isinstance(hidden, tuple) else hidden
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1)  # e5: mean over every token
        return torch.nn.functional.normalize(pooled, dim=-1)


def train(
    encoder: Encoder,
    pairs: Sequence[Pair],
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
):
    """The top layers of `encoder`'s model wrapped in a trained peft LoRA model."""
    import copy

    import torch
    from peft import LoraConfig, get_peft_model
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    config = encoder.config
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=list(config.targets),
        layers_to_transform=encoder.top_layers,
        bias="none",
    )
    # A copy: the encoder's own model stays the base for the next fold.
    peft_model = get_peft_model(copy.deepcopy(encoder.transformer), lora)
    layers = [peft_model.base_model.model.encoder.layer[i] for i in encoder.top_layers]
    loss = MultipleNegativesRankingLoss(encoder.model, scale=config.scale)
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate)
    rng = random.Random(config.seed)
    plan = [b for _ in range(config.epochs) for b in batches(pairs, config.batch_size, rng)]
    warmup = max(1, int(len(plan) * config.warmup_share))

    def rate(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (len(plan) - step) / max(1, len(plan) - warmup))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, rate)
    prefix = encoder.prompts.get("query", QUERY_PREFIX)
    encoder.bottom([prefix + t for p in pairs for t in (p.anchor, p.positive)])
    peft_model.train()
    started = time.perf_counter()
    for step, batch in enumerate(plan):
        anchors = encoder.top([prefix + p.anchor for p in batch], layers)
        positives = encoder.top([prefix + p.positive for p in batch], layers)
        value = loss.compute_loss_from_embeddings([anchors, positives], torch.zeros(len(batch)))
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        schedule.step()
        if step % 10 == 0 or step == len(plan) - 1:
            log(f"step {step + 1}/{len(plan)} loss {value.item():.3f} ({time.perf_counter() - started:.0f} s)")
    peft_model.eval()
    return peft_model


class FoldEmbedder:
    """An Embedder for a trained adapter that runs only its top layers over the encoder's
    remembered bottom output (identical vectors to the merged full model; bench use)."""

    def __init__(self, encoder: Encoder, peft_model, model_id: str):
        self.encoder = encoder
        self.model_id = model_id
        self.dim = int(encoder.transformer.config.hidden_size)
        self._layers = [peft_model.base_model.model.encoder.layer[i] for i in encoder.top_layers]

    def embed(self, texts, prompt, progress=None):
        import numpy as np
        import torch

        prefix = self.encoder.prompts.get(prompt, "")
        prefixed = [prefix + t for t in texts]
        chunks = []
        with torch.no_grad():
            for start in range(0, len(prefixed), 32):
                chunks.append(self.encoder.top(prefixed[start : start + 32], self._layers).numpy())
        if progress:
            progress(len(texts), len(texts))
        if not chunks:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(chunks), dtype=np.float32)


def save(
    peft_model, folder: Path, pairs: Sequence[Pair], config: TrainingConfig, sources: dict[str, str], seconds: float
) -> None:
    """Write the adapter (peft's two files, without machine paths) and its record."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(str(folder))
    (folder / "README.md").unlink(missing_ok=True)  # peft's model-card template
    config_path = folder / CONFIG_FILE
    adapter_config = json.loads(config_path.read_text(encoding="utf-8"))
    adapter_config["base_model_name_or_path"] = DEFAULT_MODEL_ID  # not this machine's cache path
    config_path.write_text(json.dumps(adapter_config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    record = {
        "base_model_id": DEFAULT_MODEL_ID,
        "config_sha256": _sha256(config_path),
        "weights_sha256": _sha256(folder / WEIGHTS_FILE),
        "training_pairs": len(pairs),
        "training_pairs_sha256": pairs_checksum(pairs, config),
        "training_data_sha256": sources,
        "settings": dataclasses.asdict(config),
        "train_seconds": round(seconds, 1),
        "trained_with": "python -m assistant.adapter_training",
    }
    (folder / RECORD_FILE).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def source_checksums(root: Path) -> dict[str, str]:
    """sha256 of each file the pairs come from (the labelled tables and the dev query files)."""
    names = [
        "data/tables/seed.txt",
        "data/tables/other_bodies_published.jsonl",
        "data/tables/other_bodies_published_2.jsonl",
        "data/eval/dev_queries.jsonl",
        "data/eval/dev_queries_other_bodies.jsonl",
    ]
    return {name: _sha256(root / name) for name in names if (root / name).exists()}


def main(argv: Sequence[str] | None = None) -> int:
    import os

    from .crossval import bundled_benchmark
    from .settings import REPO_ROOT, Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_ADAPTER, help="adapter folder to write")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from index.offline_model import ensure_default_model

    config = TrainingConfig()
    benchmark = bundled_benchmark()
    pairs = all_pairs(benchmark, config)
    print(f"{len(pairs)} pairs from {len(benchmark.labelled)} labelled incidents and the dev queries", file=sys.stderr)
    started = time.perf_counter()
    encoder = Encoder(ensure_default_model(Settings.from_env().model_cache), config)
    peft_model = train(encoder, pairs)
    seconds = time.perf_counter() - started
    save(peft_model, args.out, pairs, config, source_checksums(REPO_ROOT), seconds)
    print(f"{args.out}: trained in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
