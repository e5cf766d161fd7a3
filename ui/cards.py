"""How an answer and its case cards look. Every value from data or the user is escaped."""

import streamlit as st

from assistant.answer import Answer, MeasureLine
from assistant.citation import source_of
from assistant.explain import highlight_spans, shared_words
from assistant.precedent import LEVEL_LABELS
from assistant.render import escape_markdown as md
from assistant.render import measures_by_theme
from data.records import Incident
from data.years import display_year
from index.searcher import Hit


def source_line(hit: Hit, label: str | None = None) -> str:
    """「出典: 鎌倉市 · 令和6年度 · 事案HO-001」 as documents cite it (assistant/citation.py), never
    a file path; the body links to its published page when that is a plain web address."""
    ref = source_of(hit.incident, label)
    body = f"[{md(ref.body)}]({ref.url})" if ref.url else md(ref.body)
    return "出典: " + " · ".join([body, md(ref.year), md(ref.case)])


def merged_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans as one: 「メール」「送信」 side by side are one bold run,
    since `**メール****送信**` is not bold in Markdown but four literal asterisks."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """Escaped Markdown of `text` with the given spans in bold."""
    out, last = [], 0
    for start, end in merged_spans(spans):
        out += [md(text[last:start]), f"**{md(text[start:end])}**"]
        last = end
    out.append(md(text[last:]))
    return "".join(out)


def incident_badges(inc: Incident, *, details: bool = True) -> None:
    """Category (orange) and kind (blue) badges; with details, the medium and contractor too."""
    badges = st.container(horizontal=True)
    for category in inc.categories:
        badges.badge(md(category), color="orange")
    for kind in inc.kinds:
        badges.badge(md(kind), color="blue")
    if details and inc.medium:
        badges.badge(md(inc.medium), color="gray")
    if details and inc.contractor:
        badges.badge("委託先が関与", color="violet")


CLOSENESS_BADGES = {
    "close": f":green-badge[{LEVEL_LABELS['close']}]",
    "near": f":blue-badge[{LEVEL_LABELS['near']}]",
    "distant": f":gray-badge[{LEVEL_LABELS['distant']}]",
}


def case_card(
    hit: Hit,
    label: str | None = None,
    question: str = "",
    on_feedback=None,
    key: str | None = None,
    distant: bool = False,
) -> None:
    """One past case. With a question: the shared words in bold and a 似ている/似ていない control."""
    inc = hit.incident
    with st.container(border=True):
        year = md(display_year(inc.fiscal_year))
        # Cases listed by filters alone were not compared with anything: no similarity to show.
        # The calibrated label (とても近い / 近い / 参考) where there is one; the raw figures stay
        # in 「一致の理由」. Cases listed by filters alone were compared with nothing.
        similarity = f"　{CLOSENESS_BADGES[hit.closeness]}" if hit.closeness else (
            f"　類似度 {hit.similarity:.2f}" if hit.similarity else ""
        )
        far = "　:gray-badge[離れた事案]" if distant and hit.closeness is None else ""  # shown for reference
        st.markdown(f"**{hit.rank}. 事案 {md(inc.id)}**　{year}{similarity}{far}")
        incident_badges(inc)
        if question:
            st.markdown(highlighted(inc.description, highlight_spans(question, inc.description)))
            words = shared_words(question, " ".join([inc.description, *inc.measures]))
            reasons = [
                f"共通する語: {'、'.join(md(w) for w in words)}" if words else "共通する語なし（意味の近さで一致）"
            ]
            reasons.append(f"類似度 {hit.similarity:.2f} ・ 語の一致 {hit.lexical_score:.1f}")
            st.caption("一致の理由: " + " ／ ".join(reasons))
        else:
            st.markdown(md(inc.description))
        st.markdown("**再発防止策**")
        st.markdown("\n".join(f"- {md(m)}" for m in inc.measures) or "（記載なし）")
        st.caption(source_line(hit, label))
        if on_feedback is not None and key is not None:
            st.caption("この事案は似ていましたか（押したときだけ、この端末に記録します）")
            st.feedback("thumbs", key=key, on_change=on_feedback, args=(key, question, inc.id))


def _measure_item(line: MeasureLine) -> str:
    merged = f"（{line.wordings}通りの書き方をまとめました）" if line.wordings > 1 else ""
    return f"- {md(line.text)}{merged}　〔事案 {md('、'.join(line.incident_ids))}〕"


def show_answer(
    result: Answer, labels: dict[str, str] | None = None, on_feedback=None, key_prefix: str = "answer"
) -> None:
    for notice in result.notices:
        st.info(notice)
    if result.distant:
        st.warning(md(result.summary))  # said first and plainly: nothing here is really alike
    else:
        st.markdown(md(result.summary))
    if result.measures or result.set_aside:
        # 「防止策だけまとめて」: the merged measures by theme, each cited to the cases that used it.
        for theme, group in measures_by_theme(result.measures):
            if theme:
                st.markdown(f"**{md(theme)}**")
            st.markdown("\n".join(_measure_item(line) for line in group))
        if result.set_aside:
            with st.expander(f"具体的な対策を述べていない記述（{len(result.set_aside)}件、参考）"):
                st.markdown("\n".join(_measure_item(line) for line in result.set_aside))
        return
    for hit in result.hits:
        label = (labels or {}).get(hit.incident.source)
        key = f"{key_prefix}-fb-{hit.incident.source}-{hit.incident.id}"
        case_card(hit, label, result.question, on_feedback, key, distant=result.distant)
