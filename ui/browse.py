"""The browse page: every incident in a table, filtered and searched, with charts and a detail view.

New staff read through the past cases here; the detail view lists each case's nearest cases
so one can walk from a case to its kin. The logic is in assistant/browse.py.
"""

import altair as alt
import streamlit as st

from assistant import browse as b
from assistant.citation import cite
from assistant.render import escape_markdown as md
from data.years import display_year
from ui.cards import case_card, incident_badges
from ui.engine import get_engine, sidebar_filters

PICK = "browse_pick"
LAST_ROW = "browse_last_row"
CHART_HEIGHT = 260  # short enough that the table shows below the charts on a laptop screen
SHOWN_BODIES = 15  # the 公表団体 chart: the bodies with most cases

engine = get_engine()
filters, top_k = sidebar_filters(engine)
labels = engine.corpus.labels
state = st.session_state


def kind_color(counted: list[dict]) -> alt.Color:
    """Colour by kind with the fixed kind→colour map, so a kind looks the same on every chart."""
    domain, colors = b.kind_scale(row["stack"] for row in counted)
    return alt.Color("stack:N", title="種類", scale=alt.Scale(domain=domain, range=colors), sort=domain)


def count_axis() -> alt.Axis:
    return alt.Axis(title="件数", format="d", tickMinStep=1)  # whole cases: never 0.2, 0.4…


def bar_chart(counted: list[dict], title: str) -> alt.Chart:
    """Horizontal bars, most cases first, stacked by kind."""
    order = list(dict.fromkeys(row["value"] for row in counted))
    return (
        alt.Chart(alt.Data(values=counted), height=CHART_HEIGHT)
        .mark_bar()
        .encode(
            y=alt.Y("value:N", title=title, sort=order),
            x=alt.X("sum(count):Q", axis=count_axis()),
            color=kind_color(counted),
            tooltip=[
                alt.Tooltip("value:N", title=title),
                alt.Tooltip("stack:N", title="種類"),
                alt.Tooltip("count:Q", title="件数"),
            ],
        )
    )


st.title("事案を一覧で見る")
st.markdown(
    "過去の事案を一覧で確認できます。左の絞り込みと下の語句検索・公表団体で対象を絞り、"
    "表の行を選ぶと詳細と似た事案を表示します。"
)
text = st.text_input("語句で検索（事案の内容と再発防止策から探します）", key="browse_text", placeholder="例：受給者証")
chosen_bodies = st.multiselect(
    "公表団体",
    b.bodies(b.filter_incidents(engine.corpus.incidents, filters), labels),
    key="browse_bodies",
    placeholder="すべての団体",
)
shown = b.filter_incidents(engine.corpus.incidents, filters, text, only_bodies=chosen_bodies, labels=labels)
st.caption(f"{len(shown)}件 / 全{len(engine.corpus.incidents)}件")

if not shown:
    st.info("条件に合う事案がありません。絞り込みや語句を変えてください。")
    st.stop()

st.subheader("件数の内訳（絞り込みに連動・色は事案の種類）")
years, kinds, sources, publishers = st.tabs(["年度別", "類型別", "出典別", "公表団体別"])
with years:
    counted = b.counts_by(shown, b.by_year, b.by_main_kind)
    chart = (
        alt.Chart(alt.Data(values=counted), height=CHART_HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("value:N", title="年度", sort=b.year_order(shown), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(count):Q", axis=count_axis()),
            color=kind_color(counted),
            tooltip=[
                alt.Tooltip("value:N", title="年度"),
                alt.Tooltip("stack:N", title="種類"),
                alt.Tooltip("count:Q", title="件数"),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")
with kinds:
    st.altair_chart(bar_chart(b.counts_by(shown, b.by_category, b.by_main_kind), "類型"), width="stretch")
with sources:
    st.altair_chart(bar_chart(b.counts_by(shown, b.by_source(labels), b.by_main_kind), "出典"), width="stretch")
with publishers:
    counted = b.counts_by(shown, b.by_body(labels), b.by_main_kind)
    top = list(dict.fromkeys(row["value"] for row in counted))[:SHOWN_BODIES]
    st.altair_chart(bar_chart([r for r in counted if r["value"] in top], "公表団体"), width="stretch")
    if len({r["value"] for r in counted}) > SHOWN_BODIES:
        st.caption(f"事案の多い{SHOWN_BODIES}団体を表示しています。")

st.subheader("事案の一覧")
table = st.dataframe(
    b.rows(shown, labels),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="browse_table",
    column_config={
        "西暦": st.column_config.NumberColumn("西暦", format="%d", help="年度の並べ替え用"),
        "概要": st.column_config.TextColumn("概要", width="large", help="先頭の120字。全文は下の詳細に表示します"),
        "公表団体": st.column_config.TextColumn("公表団体", width="medium"),
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
    format_func=lambda k: (
        f"事案 {by_key[k].id}（{b.year_label(by_key[k])}・{b.body(by_key[k], labels)}）"
        f"{b.short(by_key[k].description, 40)}"
    ),
)
incident = by_key[key]

with st.container(border=True):
    st.subheader(f"事案 {md(incident.id)}　{md(display_year(incident.fiscal_year))}")
    incident_badges(incident)
    st.markdown(md(incident.description) or "（記載なし）")
    st.markdown("**再発防止策**")
    st.markdown("\n".join(f"- {md(m)}" for m in incident.measures) or "（記載なし）")
    st.caption(md(cite(incident, labels)))

st.subheader("この事案に似た事案")
with st.spinner("似た事案を探しています…"):
    similar = b.similar_to(incident, engine.searcher, top_k)
if not similar:
    st.info("似た事案は見つかりませんでした。")
for hit in similar:
    case_card(hit, labels.get(hit.incident.source))
