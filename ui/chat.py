"""The chat page: a question in, the nearest past cases out; follow-ups refine the last answer."""

import datetime as dt
from dataclasses import replace

import streamlit as st

from assistant.conversation import interpret, respond
from assistant.documents import to_docx, to_markdown
from assistant.feedback import record_feedback
from assistant.render import escape_markdown as md
from assistant.settings import Settings
from assistant.transcript import conversation_document
from ui.cards import show_answer
from ui.engine import ensure_model_loaded, get_engine, sidebar_filters

EXAMPLES = (
    "封筒に別の人の受給者証を入れて送ってしまった",
    "メールの宛先を間違えて個人情報を送信した",
    "委託先のサーバーがランサムウェアに感染した",
    "家庭訪問で預かった申請書をなくした",
)

SCROLL_TO_ANSWER = """<script>/* answer ANSWER_NUMBER */
(() => {
  const show = () => {
    const answers = document.querySelectorAll('[data-testid="stChatMessage"]');
    if (answers.length) answers[answers.length - 1].scrollIntoView({block: "start"});
  };
  // Cards are drawn after the summary: place it again once they have arrived.
  for (const delay of [100, 600, 1500]) setTimeout(show, delay);
  window.zenreiScrolledTo = ANSWER_NUMBER;
})();
</script>"""

engine = get_engine()
filters, top_k = sidebar_filters(engine)

st.title("Zenrei（前例）")
messages = st.session_state.setdefault("messages", [])


def ask(question: str) -> None:
    st.session_state.pending = question


def remove_chip(key: str, label: str) -> None:
    last = st.session_state.last_request
    st.session_state.pending_request = (replace(last, stated=last.stated.without(key)), f"（条件「{label}」を外す）")


def save_feedback(key: str, question: str, incident_id: str) -> None:
    value = st.session_state.get(key)
    if value is not None:  # 1 = 似ている (thumbs up), 0 = 似ていない
        record_feedback(Settings.from_env().home, question, incident_id, similar=value == 1)
        st.toast("ご意見を記録しました。検索の改善に使います。")


# The message is answered before anything is drawn, so the history below already holds it.
request, said = None, None
if prompt := st.chat_input("例：封筒に別の人の受給者証を入れて送ってしまった") or st.session_state.pop("pending", None):
    previous = st.session_state.get("last_request")
    request = interpret(prompt, previous, top_k=top_k, today=dt.date.today(), labels=engine.corpus.labels)
    said = prompt
elif pending := st.session_state.pop("pending_request", None):
    request, said = pending
if request is not None:
    ensure_model_loaded(engine)  # seconds, once per server start, and only if no one asked before
    working = "再発防止策をまとめています…" if request.kind == "measures" else "似ている前例を探しています…"
    with st.spinner(working):
        result = respond(request, filters, searcher=engine.searcher)
    st.session_state.last_request = request
    messages += [{"role": "user", "content": said}, {"role": "assistant", "answer": result}]

with st.chat_message("assistant"):
    st.markdown(
        "起きてしまった事案や心配なことを入力してください。似ている過去の事案と、その再発防止策をお示しします。"
    )
    if not messages:
        for example in EXAMPLES:
            st.button(example, on_click=ask, args=(example,))
        st.caption("続けて「R6だけ」「要配慮のみ」「もっと見せて」「防止策だけまとめて」と絞り込めます。")

for number, message in enumerate(messages):
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(md(message["content"]))
            continue
        result = message["answer"]
        if result.chips:
            # Chips of the latest answer can be removed; older ones are a record of what was asked.
            latest = number == len(messages) - 1
            row = st.container(horizontal=True)
            for chip in result.chips:
                if latest:
                    row.button(
                        f"✕ {md(chip.label)}",  # a label can quote a table's name: data, escaped
                        key=f"chip-{number}-{chip.key}",
                        on_click=remove_chip,
                        args=(chip.key, chip.label),
                        help="この条件を外して検索し直します",
                    )
                else:
                    row.badge(md(chip.label), color="gray")
        show_answer(result, engine.corpus.labels, save_feedback, key_prefix=f"m{number}")

if request is not None:
    # Streamlit keeps the view where it was (or at the bottom, on the last card): bring the top
    # of the new answer, its summary, into view. A fixed script; the number only makes it new.
    st.html(SCROLL_TO_ANSWER.replace("ANSWER_NUMBER", str(len(messages))), unsafe_allow_javascript=True)

if messages:
    # For the file the officer keeps: the whole chat, its cases and any draft from the 起案 page.
    # Built only when a button is clicked (callables), not on every rerun of the chat.
    turns = [(q["content"], a["answer"]) for q, a in zip(messages[::2], messages[1::2], strict=True)]
    draft = st.session_state.get("draft")
    with st.sidebar:
        st.markdown("**この相談を保存**")
        st.download_button(
            "Markdown", lambda: to_markdown(conversation_document(turns, draft)), "zenrei_相談記録.md", "text/markdown"
        )
        st.download_button(
            "Word (.docx)",
            lambda: to_docx(conversation_document(turns, draft)),
            "zenrei_相談記録.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
