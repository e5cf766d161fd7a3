"""Answers as JSON-ready dicts and as plain text for the terminal."""

from __future__ import annotations

import re
from typing import Any

from data.years import display_year, era_label
from index.searcher import Hit

from .answer import Answer, MeasureLine
from .precedent import LEVEL_LABELS


def hit_to_dict(hit: Hit) -> dict[str, Any]:
    inc = hit.incident
    return {
        "id": inc.id,
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "similarity": round(hit.similarity, 4),
        "closeness": hit.closeness,  # close / near / distant, as the page labels it (None: no calibration)
        "fiscal_year": inc.fiscal_year,
        "year_label": era_label(inc.fiscal_year) if inc.fiscal_year is not None else None,
        "year_raw": inc.year_raw,
        "categories": list(inc.categories),
        "description": inc.description,
        "measures": list(inc.measures),
        "source": inc.source,
        "line": inc.line,
        "citation": inc.citation,
    }


def measures_by_theme(lines: tuple[MeasureLine, ...]) -> list[tuple[str, list[MeasureLine]]]:
    """Consecutive lines of one theme together, in the order given (the digest sorts by theme)."""
    groups: list[tuple[str, list[MeasureLine]]] = []
    for line in lines:
        if groups and groups[-1][0] == line.theme:
            groups[-1][1].append(line)
        else:
            groups.append((line.theme, [line]))
    return groups


def answer_to_text(ans: Answer) -> str:
    lines = [*ans.notices]
    if ans.chips:
        lines.append("質問から読み取った条件: " + "、".join(chip.label for chip in ans.chips))
    lines.append(ans.summary)
    if ans.measures or ans.set_aside:
        for theme, group in measures_by_theme(ans.measures):
            lines += ["", f"■ {theme}"] if theme else []
            lines += [f"- {line.text}　〔事案 {'、'.join(line.incident_ids)}〕" for line in group]
        if ans.set_aside:
            lines += ["", "■ 具体的な対策を述べていない記述（参考）"]
            lines += [f"- {line.text}　〔事案 {'、'.join(line.incident_ids)}〕" for line in ans.set_aside]
        return "\n".join(lines)
    for hit in ans.hits:
        inc = hit.incident
        badges = " ".join(f"[{c}]" for c in inc.categories)
        lines += [
            "",
            f"{hit.rank}. 事案 {inc.id}  {display_year(inc.fiscal_year)}  {badges}  {closeness_text(hit)}",
            f"   出典: {inc.citation}",
            f"   {inc.description}",
        ]
        if inc.measures:
            lines.append("   再発防止策:")
            lines += [f"   - {measure}" for measure in inc.measures]
        else:
            lines.append("   再発防止策: （記載なし）")
    return "\n".join(lines)


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:=&\"'^%@/;?,")


# The page's Markdown also links bare addresses (GFM "autolink literals": http://…, www.…,
# name@host) after unescaping, so a backslash cannot stop them; an invisible word joiner inside
# the marker can. A cell's address then shows as text, never as a link the browser may follow.
_AUTOLINK_MARKERS = re.compile(r"(?i)(?<![a-z])(https?|ftp|www)(?=:|\.)|(?=@)")
WORD_JOINER = "\u2060"


def closeness_text(hit: Hit) -> str:
    """「とても近い」「近い」「参考」 where the model is calibrated, else the raw cosine."""
    return LEVEL_LABELS[hit.closeness] if hit.closeness else f"類似度 {hit.similarity:.2f}"


def escape_markdown(text: str) -> str:
    """Make data safe to show through Markdown: every ASCII punctuation mark is escaped.

    CommonMark lets any ASCII punctuation be backslash-escaped, so this turns links, HTML,
    emphasis, LaTeX ($) and Streamlit's :color[…] directives into literal text; bare web and
    mail addresses get a word joiner so that they are not made into links either.
    """
    text = _AUTOLINK_MARKERS.sub(lambda m: (m.group(1) or "") + WORD_JOINER, text)
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in text)
