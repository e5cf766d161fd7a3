"""The drafting page: 再発防止策（案） from the precedents, edited here and downloaded as Word or Markdown.

The draft lives in st.session_state["draft"] as an assistant.drafting.Draft and changes only
through that module's pure functions, called from widget callbacks. Widget keys carry a
generation number, so a new draft never inherits the ticks and wording of the previous one.
"""

import streamlit as st

from assistant import drafting as d
from assistant.documents import to_docx, to_markdown
from assistant.render import escape_markdown as md
from ui.engine import get_engine, sidebar_filters

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AUTO_THEME = "自動で判定"

engine = get_engine()
filters, _ = sidebar_filters(engine)
state = st.session_state


def last_chat_question() -> str:
    """What the officer last asked in the chat: the natural starting point for a draft."""
    for message in reversed(state.get("messages") or []):
        if message.get("role") == "user" and str(message.get("content", "")).strip():
            return str(message["content"])
    return ""


def widget(name: str, item_key: str = "") -> str:
    return f"draft-{state.get('draft_generation', 0)}-{name}-{item_key}"


def make_draft() -> None:
    question = " ".join(str(state.get("draft_question", "")).split())
    if not question:
        state.draft_notice = "事案の概要を入力してください。"
        return
    with st.spinner("似ている前例を探し、同じ趣旨の対策をまとめています…"):
        gathered = d.gather_measures(
            question,
            engine.searcher,
            top_k=int(state.get("draft_top", 8)),
            filters=filters,
            labels=engine.corpus.labels,
        )
    state.draft = d.new_draft(gathered)
    state.draft_generation = state.get("draft_generation", 0) + 1


def on_accept(key: str) -> None:
    state.draft = d.set_accepted(state.draft, key, state[widget("accept", key)])


def on_edit(key: str) -> None:
    state.draft = d.edit_text(state.draft, key, state[widget("text", key)])


def on_move(key: str, up: bool) -> None:
    state.draft = (d.move_up if up else d.move_down)(state.draft, key)


def on_add_own() -> None:
    text = str(state.get(widget("own-text"), ""))
    choice = state.get(widget("own-theme"), AUTO_THEME)
    if not text.strip():
        state.draft_notice = "追加する対策の文言を入力してください。"
        return
    state.draft = d.add_own(state.draft, text, None if choice == AUTO_THEME else choice)
    state[widget("own-text")] = ""


st.title("再発防止策の起案")
st.markdown(
    "起きた事案を入力すると、似ている前例の再発防止策を、同じ趣旨のものをまとめて案にします。"
    "採否と文言を決めて、Word か Markdown でダウンロードしてください。"
)
# Start from the chat's last question, and follow it when the officer asks something new there.
latest = last_chat_question()
if "draft_question" not in state or (latest and state.get("draft_seeded_from") != latest):
    state.draft_question = latest
    state.draft_seeded_from = latest
st.text_area("事案の概要", key="draft_question", placeholder="例：封筒に別の人の受給者証を入れて送ってしまった")
st.number_input("参考にする前例の数", min_value=1, max_value=30, value=d.DEFAULT_TOP_K, key="draft_top")
st.button("前例から案を作る", type="primary", on_click=make_draft)
if notice := state.pop("draft_notice", None):
    st.warning(notice)

draft: d.Draft | None = state.get("draft")
if draft is not None:
    st.subheader("類似の前例")
    for precedent in draft.precedents:
        st.markdown(f"- **{md(precedent.citation.label)}** {md(precedent.summary)}")
        st.caption(md(precedent.citation.source_text))

    st.subheader("再発防止策（案）")
    if not draft.items:
        st.info("前例に再発防止策が見つかりませんでした。自分の対策を追加できます。")
    for theme, items in d.by_theme(draft.items):
        st.markdown(f"#### {md(theme)}")
        for item in items:
            tick, text, up, down = st.columns([1, 14, 1, 1], vertical_alignment="center")
            tick.checkbox(
                "採用", value=item.accepted, key=widget("accept", item.key), on_change=on_accept, args=(item.key,)
            )
            text.text_input(
                "文言",
                value=item.text,
                key=widget("text", item.key),
                on_change=on_edit,
                args=(item.key,),
                label_visibility="collapsed",
            )
            up.button("↑", key=widget("up", item.key), on_click=on_move, args=(item.key, True), help="上へ")
            down.button("↓", key=widget("down", item.key), on_click=on_move, args=(item.key, False), help="下へ")
            backing = f"　前例{len(item.citations)}件で講じられた対策" if item.citations else ""
            st.caption(md(d.citation_note(item)) + backing)
            if len(item.variants) > 1:
                with st.expander(f"前例での書き方（{len(item.variants)}通り）"):
                    for variant in item.variants:
                        st.markdown(f"- {md(variant)}")

    st.markdown("#### 自分の対策を追加")
    own_text, own_theme = st.columns([3, 1])
    own_text.text_input("対策の文言", key=widget("own-text"))
    own_theme.selectbox("分類", [AUTO_THEME, *d.THEMES], key=widget("own-theme"))
    st.button("自分の対策を追加", on_click=on_add_own)

    document = d.draft_document(draft)
    left, right = st.columns(2)
    left.download_button(
        "Word（.docx）でダウンロード", data=to_docx(document), file_name="再発防止策（案）.docx", mime=DOCX_MIME
    )
    right.download_button(
        "Markdown（.md）でダウンロード",
        data=to_markdown(document).encode("utf-8"),
        file_name="再発防止策（案）.md",
        mime="text/markdown",
    )
