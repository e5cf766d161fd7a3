"""The training page 「あなたならどうする？」: a past case without its measures, the trainee's answer,
then the real measures and those of similar cases, with what the answer already covered marked.

Session state: training_seed (the card order), training_position, training_revealed (the card
whose answer is being checked), training_done ({card: (covered, total)}, the session tally) and
training_sheet (the last study sheet built, with the topic it was built for).
"""

import random
from dataclasses import replace

import streamlit as st

from assistant import training as t
from assistant.browse import filter_incidents, incident_key, similar_to, year_label
from assistant.documents import to_docx, to_markdown
from assistant.drafting import SourceMeasure, citation_for, merge_measures, published_measure
from assistant.render import escape_markdown as md
from assistant.study_sheet import study_sheet, topic_title
from domain.kinds import KIND_VOCABULARY
from ui.cards import incident_badges
from ui.engine import get_engine, sidebar_filters

ALL = "すべて"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Plain marks every PC's fonts have (emoji such as ✅ show as empty boxes without an emoji font).
COVERED, MISSED = "○", "－"

engine = get_engine()
filters, top_k = sidebar_filters(engine)
state = st.session_state
if "training_seed" not in state:
    state.training_seed = random.randrange(1_000_000)
state.setdefault("training_position", 0)
state.setdefault("training_revealed", None)
state.setdefault("training_done", {})


def restart() -> None:
    state.training_position = 0
    state.training_revealed = None


def next_card() -> None:
    state.training_position += 1
    state.training_revealed = None


def shuffle() -> None:
    state.training_seed = random.randrange(1_000_000)
    restart()


def reveal(card_key: str) -> None:
    state.training_revealed = card_key


st.title("あなたならどうする？")
st.markdown(
    "過去の事案を、再発防止策を伏せて表示します。自分ならどう防ぐかを書いてから「答え合わせ」を押すと、"
    f"実際の再発防止策と似た事案の対策が並び、あなたの答えに含まれていたものに {COVERED}、"
    f"含まれていなかったものに {MISSED} が付きます。"
)

candidates = t.pick_cards(engine.corpus.incidents, filters, 0)
present = {k for inc in candidates for k in inc.kinds}
topic = st.selectbox(
    "テーマ（事案の種類）",
    [ALL, *(k for k in KIND_VOCABULARY if k in present)],
    key="training_topic",
    on_change=restart,
)
chosen = filters if topic == ALL else replace(filters, kinds=frozenset({topic}))
cards = t.pick_cards(engine.corpus.incidents, chosen, state.training_seed)

# Drawn at the top but filled last, so a check made in this run is already counted.
tally = st.container(horizontal=True)


def show_tally() -> None:
    done, covered, total = t.tally(state.training_done)
    tally.metric("取り組んだ事例", f"{done}件")
    tally.metric("押さえた対策", f"{covered} / {total}")


if not cards:
    show_tally()
    st.info("条件に合い、再発防止策が公表されている事案がありません。絞り込みを変えてください。")
    st.stop()

position = state.training_position % len(cards)
card = cards[position]
card_key = incident_key(card)

with st.container(border=True):
    st.markdown(f"**第{position + 1}問 / 全{len(cards)}問**　事案 {md(card.id)}　{md(year_label(card))}")
    incident_badges(card, details=False)  # the medium and contractor would give the answer away
    st.markdown(md(card.description))
answer = st.text_area(
    "あなたならどうしますか？ 再発防止策を書いてください（1行に1つ、または「。」で区切る）",
    key=f"training-answer-{card_key}",
    placeholder="例：封入前に別の職員が宛名を確認する。",
)
buttons = st.container(horizontal=True)
buttons.button("答え合わせ", type="primary", on_click=reveal, args=(card_key,), key="training-check")
buttons.button("次の事例", on_click=next_card, key="training-next")
buttons.button("順番を変える", on_click=shuffle, key="training-shuffle")

def check_answer(answer: str, card, top_k: int):
    """(flags on the case's measures, the similar cases' merged measures, flags on those)."""
    embedder = engine.searcher.embedder
    with st.spinner("あなたの答えと再発防止策を照らし合わせています…"):
        flags = t.covered(answer, card.measures, embedder)
    with st.spinner("似た事案の再発防止策を集めています…"):
        pooled = [
            SourceMeasure(
                published_measure(m),
                citation_for(hit.incident, hit.similarity, engine.corpus.labels.get(hit.incident.source)),
            )
            for hit in similar_to(card, engine.searcher, top_k)
            for m in hit.incident.measures
            if m.strip()
        ]
        groups = merge_measures(pooled, embedder) if pooled else []
        marks = t.covered(answer, [g.text for g in groups], embedder)
    return flags, groups, marks


if state.training_revealed == card_key:
    # Checked once per answer: later reruns (the study sheet's button, a download) reuse it.
    checked_for = (card_key, answer, top_k)
    checked = state.get("training_checked")
    if checked is None or checked[0] != checked_for:
        checked = (checked_for, *check_answer(answer, card, top_k))
        state.training_checked = checked
    _, flags, groups, marks = checked
    if answer.strip():
        state.training_done = {**state.training_done, card_key: (sum(flags), len(flags))}
    else:
        # Nothing was tried: the card does not count as 取り組んだ事例 (and an earlier try is withdrawn).
        state.training_done = {k: v for k, v in state.training_done.items() if k != card_key}
        st.info(f"答えが空のため、どの対策にも {COVERED} は付きません。書いてからもう一度押してください。")
    own, others = st.columns(2)
    with own:
        st.markdown(f"**この事案の再発防止策**（押さえた対策 {sum(flags)} / {len(flags)}）")
        st.markdown(
            "\n".join(
                f"- {COVERED if f else MISSED} {md(published_measure(m))}"
                for m, f in zip(card.measures, flags, strict=True)
            )
        )
    with others:
        st.markdown("**似た事案の再発防止策**")
        lines = [
            f"- {COVERED if f else MISSED} {md(g.text)}　〔{md('、'.join(c.label for c in g.citations))}〕"
            for g, f in zip(groups, marks, strict=True)
        ]
        st.markdown("\n".join(lines) or "（似た事案に再発防止策がありません）")


show_tally()

st.divider()
st.subheader("学習シート")
st.caption("このテーマの事案、その再発防止策、共通する対策を一枚にまとめます（研修の配布用）。")
signature = (topic, chosen)
if st.button("学習シートを作る", key="training-sheet"):
    cases = filter_incidents(engine.corpus.incidents, chosen)
    title = topic_title(() if topic == ALL else (topic,))
    with st.spinner("学習シートを作っています（事案の再発防止策をまとめています）…"):
        state.training_sheet = (signature, study_sheet(cases, engine.searcher, title, engine.corpus.labels))
sheet = state.get("training_sheet")
if sheet is not None and sheet[0] == signature:
    document = sheet[1]
    left, right = st.columns(2)
    left.download_button(
        "Word（.docx）でダウンロード", data=to_docx(document), file_name=f"{document.title}.docx", mime=DOCX_MIME
    )
    right.download_button(
        "Markdown（.md）でダウンロード",
        data=to_markdown(document).encode("utf-8"),
        file_name=f"{document.title}.md",
        mime="text/markdown",
    )
