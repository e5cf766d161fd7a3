"""「データの管理」: import a table into the store, edit or delete stored cases, see the history.

Nothing is stored until the user presses 「取り込む」 on a report without problems. After every
change the saved index is updated incrementally (assistant/engine.refresh_engine) and the
cached engine is dropped, so every page searches the new data on its next run; the next
engine loads that saved index instead of rebuilding it.
"""

import tempfile
from pathlib import Path

import streamlit as st

from assistant import importer
from assistant.engine import refresh_engine
from assistant.render import escape_markdown as md
from assistant.settings import Settings
from assistant.store import Store, StoreError, store_path
from data.records import TableError
from ui.engine import get_engine, get_engine_handle

NONE = "（使わない）"
ACTIONS = {"add": "追加", "edit": "編集", "delete": "削除"}

settings = Settings.from_env()
state = st.session_state
# Opened before any change, so an update embeds only what the change adds (an engine opened
# afterwards would find its saved index stale and rebuild it whole).
engine = get_engine()
if get_engine_handle().building:
    # A change now would be saved over by the build under way, made from the data before it.
    st.info("索引の作り直しが終わるまで、事案の取り込みと編集はお待ちください。")
    st.stop()


def _after_change(message: str) -> None:
    """Update the saved index for the store as it is now, then let every page reopen it."""
    with st.spinner("索引を更新しています…"):
        refreshed, stats = refresh_engine(engine, settings)
    get_engine_handle.clear()
    state["data_notice"] = f"{message}（索引を更新: {stats.embedded}件の文を埋め込み）"
    if refreshed.save_error:  # stored, but the index on disk is behind (a full disk)
        state["data_notice"] = f"{message}。{refreshed.save_error}"


def _mapping_inputs(preview: importer.Preview, key: str) -> importer.Mapping:
    """One selectbox a field; the columns we recognise are chosen already."""
    st.markdown("**列の対応**（ファイルの列を、Zenrei の項目に割り当ててください）")
    options = [NONE, *preview.headers]
    mapping: importer.Mapping = {}
    columns = st.columns(len(importer.FIELDS))
    for column, field in zip(columns, importer.FIELDS, strict=True):
        suggested = preview.suggested_mapping.get(field)
        index = options.index(suggested) if suggested in options else 0
        label = importer.FIELD_LABELS[field] + ("（必須）" if field == "description" else "")
        chosen = column.selectbox(label, options, index=index, key=f"map-{field}-{key}")
        if chosen != NONE:
            mapping[field] = chosen
    return mapping


def _import_section(store: Store) -> None:
    st.subheader("表を取り込む")
    limit = st.get_option("server.maxUploadSize")
    st.caption(f"CSV・TSV・Excel (.xlsx)・JSONL、{limit} MB まで。文字コードは UTF-8 と Shift_JIS を自動で判別します。")
    # A new key after each import empties the uploader, so the stored file is not offered again.
    round_ = state.get("data_round", 0)
    upload = st.file_uploader("ファイル", type=["csv", "tsv", "txt", "xlsx", "jsonl"], key=f"data-upload-{round_}")
    if upload is None:
        return
    name = Path(upload.name).name  # a browser may send a path; cite the file name only
    with tempfile.TemporaryDirectory(prefix="zenrei-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(upload.getvalue())
        try:
            preview = importer.preview(path)
        except TableError as exc:
            st.error(md(f"{name}:{exc.line or 1}: {exc.message}"))
            return
        st.dataframe([dict(zip(preview.headers, row, strict=False)) for row in preview.sample_rows], hide_index=True)
        mapping = _mapping_inputs(preview, f"{name}-{round_}")
        report = importer.validate(path, mapping, source=name, store=store)
    if report.problems:
        st.error(
            f"{len(report.problems)}件の問題があります。ファイルを直すか列の対応を変えてください（保存していません）。"
        )
        st.text("\n".join(report.problems))
        return
    for warning in report.warnings:
        st.warning(md(warning))
    st.success(f"{len(report.incidents)}件を取り込めます。内容を確認して「取り込む」を押してください。")
    st.dataframe(
        [
            {"行": i.line, "id": i.id, "年度": i.year_raw, "事案の内容": i.description, "類型": "、".join(i.categories)}
            for i in report.incidents
        ],
        hide_index=True,
    )
    if st.button("取り込む", type="primary", key="data-commit"):
        try:
            count = importer.commit(report, store)
        except StoreError as exc:
            st.error(md(str(exc)))
            return
        state["data_round"] = round_ + 1
        _after_change(f"{name} から{count}件を保存しました")
        st.rerun()


def _edit_section(store: Store) -> None:
    st.subheader("保存した事案")
    stored = store.live()
    if not stored:
        st.info("まだ取り込んだ事案はありません。")
        return
    st.dataframe(
        [
            {
                "id": s.incident.id,
                "年度": s.incident.year_raw,
                "事案の内容": s.incident.description,
                "類型": "、".join(s.incident.categories),
                "出典": s.incident.citation,
                "更新日時": s.updated_at,
            }
            for s in stored
        ],
        hide_index=True,
    )
    by_id = {s.incident.id: s.incident for s in stored}
    chosen = st.selectbox("編集・削除する事案", list(by_id), key="data-pick")
    incident = by_id[chosen]
    with st.form(f"edit-{chosen}"):
        year = st.text_input("年度", incident.year_raw)
        description = st.text_area("事案の内容", incident.description)
        categories = st.text_input("類型（「、」区切り）", "、".join(incident.categories))
        measures = st.text_area("再発防止策（1行に1つ）", "\n".join(incident.measures))
        if st.form_submit_button("保存する"):
            try:
                store.edit(importer.edited(incident, year, description, categories, measures))
            except (ValueError, StoreError) as exc:
                st.error(md(str(exc)))
            else:
                _after_change(f"id「{chosen}」を更新しました")
                st.rerun()
    confirm = st.checkbox("この事案を削除する", key=f"delete-confirm-{chosen}")
    if st.button("削除", disabled=not confirm, key="data-delete"):
        store.delete(chosen)
        _after_change(f"id「{chosen}」を削除しました")
        st.rerun()


def _history_section(store: Store) -> None:
    st.subheader("変更履歴")
    changes = store.history(limit=500)
    if not changes:
        st.caption("変更はまだありません。")
        return
    st.dataframe(
        [
            {"日時": c.at, "操作": ACTIONS.get(c.action, c.action), "id": c.incident_id, "ファイル": c.source_file}
            for c in changes
        ],
        hide_index=True,
    )


st.title("データの管理")
st.markdown(
    "自分の団体の事案を表から取り込み、検索の対象に加えます。取り込んだ事案は "
    f"{md(str(store_path(settings.home)))} に保存され、同梱の表は変更しません。"
)
if notice := state.pop("data_notice", None):
    st.success(md(notice))
with Store(store_path(settings.home)) as opened:
    _import_section(opened)
    _edit_section(opened)
    _history_section(opened)
