"""Zenrei's chat page. Thin: every decision is made in assistant/, this only shows it."""

import streamlit as st

from assistant.answer import answer
from assistant.engine import open_engine
from assistant.render import escape_markdown as md
from assistant.settings import Settings
from data.years import display_year, era_label
from index.filters import Filters

EXAMPLES = (
    "封筒に別の人の受給者証を入れて送ってしまった",
    "メールの宛先を間違えて個人情報を送信した",
    "委託先のサーバーがランサムウェアに感染した",
    "家庭訪問で預かった申請書をなくした",
)

st.set_page_config(page_title="Zenrei（前例）", page_icon="📚", layout="wide")


@st.cache_resource(show_spinner="モデルと索引を読み込んでいます…")
def get_engine():
    bar = st.progress(0.0, text="索引を準備しています…")
    engine = open_engine(
        Settings.from_env(),
        progress=lambda msg, done, total: bar.progress(min(done / max(total, 1), 1.0), text=f"{msg} {done}/{total}"),
    )
    bar.empty()
    return engine


def show_answer(result) -> None:
    for notice in result.notices:
        st.info(notice)
    st.markdown(md(result.summary))
    for hit in result.hits:
        inc = hit.incident
        with st.container(border=True):
            st.markdown(
                f"**{hit.rank}. 事案 {md(inc.id)}**　{md(display_year(inc.fiscal_year))}　類似度 {hit.similarity:.2f}"
            )
            badges = st.container(horizontal=True)
            for category in inc.categories:
                badges.badge(md(category), color="orange")
            st.markdown(md(inc.description))
            st.markdown("**再発防止策**")
            st.markdown("\n".join(f"- {md(m)}" for m in inc.measures) or "（記載なし）")
            st.caption(f"出典: {md(inc.citation)}")


engine = get_engine()
incidents = engine.corpus.incidents
years = sorted({i.fiscal_year for i in incidents if i.fiscal_year is not None})

with st.sidebar:
    st.header("絞り込み")
    year_range = (
        st.select_slider("年度", options=years, value=(years[0], years[-1]), format_func=era_label)
        if len(years) > 1
        else None
    )
    categories = st.multiselect("類型", sorted({c for i in incidents for c in i.categories}))
    top_k = st.slider("表示件数", 1, 20, 5)
    st.caption(f"{len(incidents)}件の事案を検索対象にしています。")

use_years = year_range is not None and (year_range[0], year_range[1]) != (years[0], years[-1])
filters = Filters(
    year_from=year_range[0] if use_years else None,
    year_to=year_range[1] if use_years else None,
    categories=frozenset(categories),
)

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
            show_answer(message["answer"])
