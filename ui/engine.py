"""The engine every page shares (cached once per server) and the sidebar filters."""

from pathlib import Path

import streamlit as st

from assistant import engine as engine_module
from assistant.engine import Engine, EngineHandle, open_engine_handle
from assistant.errors import user_message
from assistant.render import escape_markdown as md
from assistant.settings import Settings
from data.years import era_label
from domain.kinds import KIND_VOCABULARY
from index.embedder import Embedder
from index.filters import Filters

# Build steps as the page names them (the library's messages carry English for the terminal).
_STEP_LABELS = {
    "descriptions": "過去の事案の内容を読み取っています",
    "measures": "再発防止策を読み取っています",
    "BM25": "語で探すための索引を作っています",
    "done": "索引ができました",
}
MODEL_LOADING = "検索モデルを読み込んでいます（起動後に一度だけ、数秒かかります）…"


@st.cache_resource(show_spinner="検索モデルを準備しています…")
def get_embedder(model: str, cache_dir: str) -> Embedder:
    # Cached apart from the engine: after an import the engine is reopened, the model is not.
    # Looked up through assistant.engine so tests that replace the model there are obeyed.
    # With a materialized model this returns at once: the weights load on first use.
    return engine_module.open_embedder(model, Path(cache_dir))


def build_step_text(message: str, done: int, total: int) -> str:
    """What the first start's bar says: the step in Japanese and how far it is."""
    label = next((text for key, text in _STEP_LABELS.items() if key in message), message.split(" (")[0])
    count = f"（{done}/{total}件）" if total > 1 else ""
    return f"初回の準備：{label}{count}"


def _build_bar(embedder: Embedder):
    """A progress callback drawing one bar that moves per embedding batch."""
    bar = st.progress(0.0, text="索引を開いています…")

    def report(message: str, done: int, total: int) -> None:
        if not getattr(embedder, "loaded", True):
            # Building needs the model: say so while its weights load (several seconds).
            bar.progress(0.0, text=f"初回の準備：{MODEL_LOADING}")
            embedder.load()
        bar.progress(min(done / max(total, 1), 1.0), text=build_step_text(message, done, total))

    return bar, report


# No spinner of its own: it would sit above the bar and hide its text.
@st.cache_resource(show_spinner=False)
def get_engine_handle() -> EngineHandle:
    settings = Settings.from_env()
    embedder = get_embedder(settings.model, str(settings.model_cache))
    bar, report = _build_bar(embedder)
    handle = open_engine_handle(settings, embedder=embedder, progress=report)
    bar.empty()
    return handle


def load_model_in_background() -> None:
    """Start loading the model once the page is drawn, so the first question rarely waits."""
    settings = Settings.from_env()
    embedder = get_embedder(settings.model, str(settings.model_cache))
    start = getattr(embedder, "load_in_background", None)
    if start is not None:
        start()


def ensure_model_loaded(engine: Engine) -> None:
    """Before a search: if the model is still loading, wait for it under a Japanese spinner."""
    embedder = engine.searcher.embedder
    if not getattr(embedder, "loaded", True):
        with st.spinner(MODEL_LOADING):
            embedder.load()


def get_engine() -> Engine:
    """The engine to answer with now. While the index for changed data is being built, the
    last good one answers, and the page says so."""
    handle = _engine_handle_or_stop()
    engine = handle.engine
    if handle.building:
        st.info(
            f"データが変わったため索引を作り直しています。終わるまでは前回の索引"
            f"（{len(engine.corpus.incidents)}件）で答えます。",
            icon=":material/autorenew:",
        )
    elif handle.error:
        st.warning(f"索引の作り直しに失敗しました。前回の索引で答えています: {handle.error}")
    return engine


def _engine_handle_or_stop() -> EngineHandle:
    """The engine handle; a failure the user can fix (assistant/errors.py: a broken table, an
    unwritable ZENREI_HOME, a damaged model, a locked store) is shown as the CLI's one line, not
    as a traceback, and the page stops there. Anything else is a bug and still raises."""
    try:
        return get_engine_handle()
    except Exception as exc:
        message = user_message(exc, Settings.from_env())
        if message is None:
            raise
        st.error(message, icon=":material/error:")
        st.stop()


def sidebar_filters(engine: Engine) -> tuple[Filters, int]:
    """Fiscal-year range, categories and how many cases to show, from the sidebar."""
    incidents = engine.corpus.incidents
    years = sorted({i.fiscal_year for i in incidents if i.fiscal_year is not None})
    with st.sidebar:
        st.header("絞り込み")
        span = None
        if len(years) > 1:
            span = st.select_slider("年度", options=years, value=(years[0], years[-1]), format_func=era_label)
        categories = st.multiselect(
            "類型", sorted({c for i in incidents for c in i.categories}), placeholder="すべて（選ぶと絞り込み）"
        )
        present = {k for i in incidents for k in i.kinds}
        kinds = st.multiselect(
            "事案の種類", [k for k in KIND_VOCABULARY if k in present], placeholder="すべて（選ぶと絞り込み）"
        )
        contractor_only = st.checkbox("委託先が関与した事案のみ", key="contractor-only")
        st.markdown("**データの出典**")
        # One checkbox a table: trainers and officers include or leave out other bodies' cases.
        sources = [
            src
            for src, label in engine.corpus.labels.items()
            if st.checkbox(md(label), value=True, key=f"src-{src}")  # labels are data: escaped
        ]
        top_k = st.slider("表示件数", 1, 20, 5)
        st.caption(f"{len(incidents)}件の事案を検索対象にしています。")
    # The full span means "no year filter", so incidents of unknown year stay searchable.
    narrowed = span is not None and tuple(span) != (years[0], years[-1])
    filters = Filters(
        year_from=span[0] if narrowed else None,
        year_to=span[1] if narrowed else None,
        categories=frozenset(categories),
        kinds=frozenset(kinds),
        contractor=True if contractor_only else None,
        # All tables ticked means no source filter at all (cheaper, and the same result).
        sources=frozenset(sources) if len(sources) < len(engine.corpus.labels) else frozenset(),
    )
    return filters, top_k
