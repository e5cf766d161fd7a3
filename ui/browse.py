"""The browse page: every incident in a table, filtered and searched, with charts and a detail view.

New staff read through the past cases here; the detail view lists each case's nearest cases
so one can walk from a case to its kin. The logic is in assistant/browse.py.
"""

import altair as alt
import streamlit as st

from assistant import browse as b
from assistant.render import escape_markdown as md
from data.years import display_year
from index.searcher import Hit
from ui.cards import case_card, incident_badges, source_line
from ui.engine import get_engine, sidebar_filters

PICK = "browse_pick"
LAST_ROW = "browse_last_row"

engine = get_engine()
filters, top_k = sidebar_filters(engine)
labels = engine.corpus.labels
state = st.session_state

st.title("事案を一覧で見る")
st.markdown(
    "過去の事案を一覧で確認できます。左の絞り込みと下の語句検索で対象を絞り、事案を選ぶと詳細と似た事案を表示します。"
)
text = st.text_input("語句で検索（事案の内容と再発防止策から探します）", key="browse_text", placeholder="例：受給者証")
shown = b.filter_incidents(engine.corpus.incidents, filters, text)
st.caption(f"{len(shown)}件 / 全{len(engine.corpus.incidents)}件")

if not shown:
    st.info("条件に合う事案がありません。絞り込みや語句を変えてください。")
    st.stop()

table = st.dataframe(
    b.rows(shown, labels),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="browse_table",
    column_config={
        "西暦": st.column_config.NumberColumn("西暦", format="%d", help="年度の並べ替え用"),
        "概要": st.column_config.TextColumn("概要", width="large"),
    },
)

# A row clicked in the table chooses the case below, once: later choices in the selectbox stand.
selected_rows = list(getattr(getattr(table, "selection", None), "rows", []) or [])
if selected_rows and selected_rows != state.get(LAST_ROW) and selected_rows[0] < len(shown):
    state[PICK] = b.incident_key(shown[selected_rows[0]])
state[LAST_ROW] = selected_rows

by_key = {b.incident_key(inc): inc for inc in shown}
if state.get(PICK) not in by_key:
    state[PICK] = b.incident_key(shown[0])
key = st.selectbox(
    "詳しく見る事案（表の行を選んでも切り替わります）",
    list(by_key),
    key=PICK,
    format_func=lambda k: f"事案 {by_key[k].id}（{b.year_label(by_key[k])}）{b.short(by_key[k].description, 40)}",
)
incident = by_key[key]

with st.container(border=True):
    st.subheader(f"事案 {md(incident.id)}　{md(display_year(incident.fiscal_year))}")
    incident_badges(incident)
    st.markdown(md(incident.description) or "（記載なし）")
    st.markdown("**再発防止策**")
    st.markdown("\n".join(f"- {md(m)}" for m in incident.measures) or "（記載なし）")
    own = Hit(incident=incident, rank=0, score=0.0, similarity=0.0, lexical_score=0.0)
    st.caption(source_line(own, labels.get(incident.source)))

st.subheader("この事案に似た事案")
similar = b.similar_to(incident, engine.searcher, top_k)
if not similar:
    st.info("似た事案は見つかりませんでした。")
for hit in similar:
    case_card(hit, labels.get(hit.incident.source))

st.subheader("件数の内訳（絞り込みに連動）")
years, kinds, sources = st.tabs(["年度別（種類で色分け）", "類型別", "出典別"])
with years:
    data = alt.Data(values=b.counts_by(shown, b.by_year, b.by_main_kind))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("value:N", title="年度", sort=b.year_order(shown)),
            y=alt.Y("sum(count):Q", title="件数"),
            color=alt.Color("stack:N", title="種類"),
            tooltip=[alt.Tooltip("value:N", title="年度"), alt.Tooltip("stack:N", title="種類"), "count:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")
for tab, key_fn, title in ((kinds, b.by_category, "類型"), (sources, b.by_source(labels), "出典")):
    with tab:
        counted = b.counts_by(shown, key_fn)
        chart = (
            alt.Chart(alt.Data(values=counted))
            .mark_bar()
            .encode(
                y=alt.Y("value:N", title=title, sort=[row["value"] for row in counted]),
                x=alt.X("count:Q", title="件数"),
                tooltip=[alt.Tooltip("value:N", title=title), alt.Tooltip("count:Q", title="件数")],
            )
        )
        st.altair_chart(chart, width="stretch")
