"""How much personal data the audit log's masking finds, and how much else it hides.

    python bench/masking.py            # the table, then the bundled incidents and eval questions
    python bench/masking.py --json     # the figures as JSON

Cases: tests/data/masking_cases.jsonl (71) and masking_cases_heldout.jsonl (25), sentences a
clerk might type, each with the spans that must be masked (and sentences with none). Two
maskers are compared: the regular expressions alone, and with SudachiPy's person and place
names (the default).

- recall: entities fully masked (every character but spaces inside a masked span), by kind;
- precision: masked spans that overlap an entity; characters masked that belong to one;
- on texts with no personal data (the bundled incidents' descriptions and measures, the eval
  questions; public records that name no one), how many get something masked, with examples.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.masking import Span, find_personal_data, normalize  # noqa: E402

CASES = REPO / "tests" / "data" / "masking_cases.jsonl"
# Written after the masker, run once before any change for it (figures in the README), then kept.
HELD_OUT = REPO / "tests" / "data" / "masking_cases_heldout.jsonl"


def load_cases(path: Path = CASES) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """(normalized text, gold spans (start, end, kind)) of each case."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        text = normalize(row["text"])
        gold, cursor = [], 0
        for value, kind in row["pii"]:
            value = normalize(value)
            start = text.find(value, cursor)
            if start < 0:
                start = text.find(value)
            if start < 0:
                raise ValueError(f"{path.name}:{number}: {value!r} is not in the text")
            gold.append((start, start + len(value), kind))
            cursor = start + len(value)
        cases.append((text, gold))
    return cases


def _covered(spans: list[Span]) -> set[int]:
    return {i for s in spans for i in range(s.start, s.end)}


def score(cases, *, morphology: bool) -> dict[str, object]:
    found_by_kind: Counter[str] = Counter()
    total_by_kind: Counter[str] = Counter()
    spans_total = spans_right = chars_masked = chars_right = 0
    misses, false_hits, times = [], [], []
    for text, gold in cases:
        started = time.perf_counter()
        spans = find_personal_data(text, morphology=morphology)
        times.append(time.perf_counter() - started)
        masked = _covered(spans)
        gold_chars = {i for start, end, _ in gold for i in range(start, end)}
        for start, end, kind in gold:
            total_by_kind[kind] += 1
            if all(i in masked for i in range(start, end) if not text[i].isspace()):
                found_by_kind[kind] += 1
            else:
                misses.append(f"{kind}: {text[start:end]}  ({text[:40]})")
        for span in spans:
            spans_total += 1
            if any(span.start < end and start < span.end for start, end, _ in gold):
                spans_right += 1
            else:
                false_hits.append(f"{span.kind} {text[span.start:span.end]}  ({text[:40]})")
        chars_masked += len(masked)
        chars_right += len(masked & gold_chars)
    entities = sum(total_by_kind.values())
    return {
        "cases": len(cases),
        "entities": entities,
        "recall": round(sum(found_by_kind.values()) / entities, 3),
        "recall_by_kind": {k: f"{found_by_kind[k]}/{n}" for k, n in sorted(total_by_kind.items())},
        "span_precision": round(spans_right / spans_total, 3) if spans_total else 1.0,
        "char_precision": round(chars_right / chars_masked, 3) if chars_masked else 1.0,
        "median_ms": round(statistics.median(times) * 1000, 2),
        "misses": misses,
        "false_hits": false_hits,
    }


def clean_texts() -> list[str]:
    """Texts that name no one: the bundled incidents (descriptions, measures) and eval questions."""
    from assistant.settings import bundled_tables
    from data import read_tables

    texts = []
    for incident in read_tables(list(bundled_tables())).incidents:
        texts += [incident.description, *incident.measures]
    for path in sorted((REPO / "data" / "eval").glob("*.jsonl")):
        texts += [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [normalize(t) for t in texts]


def false_positives(texts: list[str], *, morphology: bool) -> dict[str, object]:
    hit_texts, kinds, examples = 0, Counter(), []
    for text in texts:
        spans = find_personal_data(text, morphology=morphology)
        if spans:
            hit_texts += 1
            kinds.update(s.kind for s in spans)
            examples += [f"{s.kind} {text[max(0, s.start - 8) : s.end + 8]}" for s in spans]
    return {"texts": len(texts), "texts_masked": hit_texts, "spans_by_kind": dict(kinds), "examples": examples[:12]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tables = {"table": load_cases(CASES), "held_out": load_cases(HELD_OUT)}
    texts = clean_texts()
    report = {
        name: {
            **{table: score(cases, morphology=morph) for table, cases in tables.items()},
            "no_personal_data": false_positives(texts, morphology=morph),
        }
        for name, morph in (("regex", False), ("regex+sudachi", True))
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for name, result in report.items():
        clean = result["no_personal_data"]
        for title in tables:
            table = result[title]
            print(f"== {name}, {title}: {table['cases']} cases, {table['entities']} entities")
            print(f"recall {table['recall']:.3f}  span precision {table['span_precision']:.3f}  "
                  f"char precision {table['char_precision']:.3f}  median {table['median_ms']} ms/text")  # fmt: skip
            print("by kind:", ", ".join(f"{k} {v}" for k, v in table["recall_by_kind"].items()))
            for line in table["misses"]:
                print("  missed:", line)
            for line in table["false_hits"]:
                print("  masked, not personal:", line)
        masked, total = clean["texts_masked"], clean["texts"]
        print(f"texts with no personal data: {masked} of {total} got a mask {clean['spans_by_kind']}")
        for line in clean["examples"]:
            print("  e.g.", line)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
