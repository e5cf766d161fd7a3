"""The chat page: a question in, the nearest past cases out; history kept for the session."""

import streamlit as st

from assistant.answer import answer
from assistant.render import escape_markdown as md
from ui.cards import show_answer
from ui.engine import get_engine, sidebar_filters

EXAMPLES = (
    "封筒に別の人の受給者証を入れて送ってしまった",
    "メールの宛先を間違えて個人情報を送信した",
    "委託先のサーバーがランサムウェアに感染した",
    "家庭訪問で預かった申請書をなくした",
)

engine = get_engine()
filters, top_k = sidebar_filters(engine)

st.title("Zenrei（前例）")
messages = st.session_state.setdefault("messages", [])


def ask(question: str) -> None:
    st.session_state.pending = question


# The question is answered before anything is drawn, so the history below already holds it.
prompt = st.chat_input("例：封筒に別の人の受給者証を入れて送ってしまった") or st.session_state.pop("pending", None)
if prompt:
    result = answer(prompt, filters, searcher=engine.searcher, top_k=top_k)
    messages += [{"role": "user", "content": prompt}, {"role": "assistant", "answer": result}]

with st.chat_message("assistant"):
    st.markdown(
        "起きてしまった事案や心配なことを入力してください。似ている過去の事案と、その再発防止策をお示しします。"
    )
    if not messages:
        for example in EXAMPLES:
            st.button(example, on_click=ask, args=(example,))

for message in messages:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(md(message["content"]))
        else:
            show_answer(message["answer"], engine.corpus.labels)
