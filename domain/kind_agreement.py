"""How far the kind rules agree with the published labels (`incident_type`) of a table."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from data.records import Incident

from .kind_rules import classify
from .kinds import LABEL_KEY


@dataclass(frozen=True)
class Mismatch:
    id: str
    label: str
    kinds: tuple[str, ...]
    citation: str


@dataclass(frozen=True)
class Report:
    total: int  # incidents that carry a published label
    main_agree: int  # main kind == label
    any_agree: int  # label among the assigned kinds
    confusion: tuple[tuple[str, str, int], ...]  # (label, main kind, count), every pair, most frequent first
    mismatches: tuple[Mismatch, ...]

    @property
    def main_rate(self) -> float:
        return self.main_agree / self.total if self.total else 0.0

    @property
    def any_rate(self) -> float:
        return self.any_agree / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "main_agree": self.main_agree,
            "main_rate": round(self.main_rate, 4),
            "any_agree": self.any_agree,
            "any_rate": round(self.any_rate, 4),
            "confusion": [{"label": a, "predicted": b, "count": n} for a, b, n in self.confusion],
            "mismatches": [dataclasses.asdict(m) | {"kinds": list(m.kinds)} for m in self.mismatches],
        }


def agreement(incidents: Iterable[Incident]) -> Report:
    """Compare the main kind with the published `incident_type` label, where there is one."""
    pairs: Counter[tuple[str, str]] = Counter()
    mismatches, total, main_agree, any_agree = [], 0, 0, 0
    for incident in incidents:
        label = incident.metadata.get(LABEL_KEY, "").strip()
        if not label:
            continue
        kinds = classify(incident).kinds
        total += 1
        main_agree += kinds[0] == label
        any_agree += label in kinds
        pairs[(label, kinds[0])] += 1
        if kinds[0] != label:
            mismatches.append(Mismatch(incident.id, label, kinds, incident.citation))
    confusion = tuple((a, b, n) for (a, b), n in sorted(pairs.items(), key=lambda item: (-item[1], item[0])))
    return Report(total, main_agree, any_agree, confusion, tuple(mismatches))


def format_report(report: Report, title: str = "") -> str:
    """Plain-text figures and the off-diagonal confusion pairs (label → main kind)."""
    lines = [title] if title else []
    if not report.total:
        return "\n".join([*lines, "公開ラベル (incident_type) のある事案がありません (no labelled incidents)"])
    lines.append(
        f"主分類の一致率 (main kind = label): {report.main_agree}/{report.total} = {report.main_rate:.1%}  "
        f"/ いずれかの分類に含む (label among kinds): {report.any_agree}/{report.total} = {report.any_rate:.1%}"
    )
    confused = [(a, b, n) for a, b, n in report.confusion if a != b]
    lines.append("取り違え (label → main kind):" if confused else "取り違えなし (no confusions)")
    lines += [f"  {a} → {b}: {n}" for a, b, n in confused]
    lines += [f"  - {m.id} ({m.citation}): {m.label} → {'・'.join(m.kinds)}" for m in report.mismatches]
    return "\n".join(lines)


def is_development(incident_id: str) -> bool:
    """The half of a labelled table the rules were tuned on: odd trailing number (HO-001 …)."""
    digits = re.search(r"(\d+)\D*$", incident_id)
    return bool(digits) and int(digits.group(1)) % 2 == 1
