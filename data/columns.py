"""Which column of an imported table holds which field: the names batch lists publish, ranked.

Bundled tables use data/tabular.COLUMNS, where every name is equal and two of them in one header
are an error. Imports meet more variants — a PDF list may have both 事案の概要 and 発生原因, or
発生日 where a CSV has 年度 — so here each field has names in order of preference and the
best one present wins; the rest stay metadata (or the user maps them with --map).
"""

from __future__ import annotations

from .tabular import COLUMNS, column_key

VARIANTS: dict[str, tuple[str, ...]] = {
    "year": (
        *COLUMNS["year"],
        *("発生年度", "事案発生年度", "発生日", "発生年月日", "発生年月", "発生日時", "判明日", "発覚日"),
    ),
    "description": (*COLUMNS["description"], "概要", "事案概要", "事故の概要", "事故の内容", "発生原因"),
    "categories": (*COLUMNS["categories"], "類型等", "報告区分"),
    "measures": (*COLUMNS["measures"], "再発防止策等", "再発防止対策", "今後の対策", "改善策", "対応状況"),
    "id": COLUMNS["id"],
}
_RANK = {field: {column_key(name): rank for rank, name in enumerate(names)} for field, names in VARIANTS.items()}


def known(header: str) -> bool:
    key = column_key(header)
    return any(key in ranks for ranks in _RANK.values())


def suggest(headers: list[str] | tuple[str, ...]) -> dict[str, str]:
    """field -> the header holding it, for the headers we recognise (best-ranked name per field;
    a header serves one field only)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field, ranks in _RANK.items():
        found = [(ranks[column_key(h)], h) for h in headers if column_key(h) in ranks and h not in used]
        if found:
            mapping[field] = min(found)[1]
            used.add(mapping[field])
    return mapping
