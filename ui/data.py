"""「データの管理」: import a table or a press release into the store, edit or delete stored cases,
see the history.

Nothing is stored until the user presses 「取り込む」 on a report without problems. An uploaded
file is parsed once (cached by the sha256 of its bytes), not again on every rerun while the
user maps columns or edits a press release's fields. After every
change the saved index is updated incrementally (assistant/engine.refresh_engine) and the
cached engine is dropped, so every page searches the new data on its next run; the next
engine loads that saved index instead of rebuilding it.
"""

import dataclasses
import datetime as dt
import hashlib
import tempfile
from pathlib import Path

import streamlit as st

from assistant import importer
from assistant.citation import body_of
from assistant.engine import refresh_engine
from assistant.import_template import CSV_NAME, XLSX_NAME, template_csv, template_xlsx
from assistant.render import escape_markdown as md
from assistant.settings import Settings
from assistant.store import Store, StoreError, store_path
from data import formats
from data.press import PressRelease
from data.records import TableError
from ui.engine import get_engine, get_engine_handle

NONE = "（使わない）"
ACTIONS = {"add": "追加", "edit": "編集", "delete": "削除"}
JST = dt.timezone(dt.timedelta(hours=9), "JST")  # Japan keeps no summer time: a fixed offset is exact
MODES = ("ファイル", "報道発表の本文を貼り付け")

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


def jst(at: str) -> str:
    """A stored ISO time ("2026-12-01T01:02:03+00:00") as Japanese staff read it: JST."""
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")


@st.cache_data(max_entries=8, show_spinner=False)  # the caller's spinner says it
def _parsed(digest: str, name: str, _data: bytes) -> importer.Parsed | PressRelease | str:
    """The upload read once per content: reruns (mapping, table, edits) reuse it. `_data` is not
    hashed by Streamlit; `digest` (its sha256) and the name are the key."""
    with tempfile.TemporaryDirectory(prefix="zenrei-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(_data)
        if formats.kind_of(name) == "html":
            return importer.parse_press(path, name)
        return importer.parse(path, name)


def _templates() -> None:
    left, right = st.columns(2)
    left.download_button("テンプレート (CSV)", template_csv(), CSV_NAME, "text/csv", key="data-template-csv")
    right.download_button(
        "テンプレート (Excel)",
        template_xlsx(),
        XLSX_NAME,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="data-template-xlsx",
    )


def _import_section(store: Store) -> None:
    st.subheader("表・報道発表を取り込む")
    round_ = state.get("data_round", 0)
    mode = st.radio("取り込むもの", MODES, horizontal=True, key="data-mode")
    if mode == MODES[1]:
        text = st.text_area("報道発表のページの本文", key=f"data-paste-{round_}", height=200)
        if not text.strip():
            return
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        release = importer.parse_press("", f"貼り付け-{digest[:8]}", text=text)
        _press_section(store, release, f"paste-{round_}", round_)
        return
    limit = st.get_option("server.maxUploadSize")
    st.caption(
        "CSV・TSV・Excel (.xlsx)・JSONL・PDF の一覧 (文字を選択できるもの)・報道発表のページ (.html)、"
        f"{limit} MB まで。"
        "文字コードは UTF-8 と Shift_JIS を自動で判別します。"
    )
    _templates()
    st.html(_japanese_uploader(limit))
    # A new key after each import empties the uploader, so the stored file is not offered again.
    upload = st.file_uploader("ファイル", type=formats.uploader_types(), key=f"data-upload-{round_}")
    if upload is None:
        return
    # Reading, checking each row against the store and classifying it can pass a second on a
    # large file; every rerun of this part (a mapping changed, a table chosen) says so in Japanese.
    with st.spinner("ファイルを読んで、取り込める行を確かめています…"):
        _upload_section(store, upload, round_)


def _japanese_uploader(limit: int) -> str:
    """Styles that put Japanese in place of the uploader's fixed English: its button, its
    "20MB per file • CSV, …" line (the caption above says it), the text shown while a file is
    dragged over it, and the tooltip of a file it refuses. Streamlit offers no setting for
    them; the selectors are its test ids (checked in a real browser by tests/test_real_browser.py)."""
    zone = "[data-testid='stFileUploaderDropzone']"
    refused = f"取り込めないファイルです。形式と大きさ（{limit} MB まで）を確かめてください"
    return f"""<style>
{zone} [data-testid='stFileUploaderDropzoneInstructions'] {{ display: none; }}
{zone} button [data-testid='stMarkdownContainer'] p {{ display: none; }}
{zone} button [data-testid='stMarkdownContainer']::after {{ content: "ファイルを選ぶ"; }}
{zone} > div:not([data-testid]) > span {{ font-size: 0; }}
{zone} > div:not([data-testid]) > span::after {{ content: "ここにファイルを置いてください"; font-size: 1rem; }}
[data-testid='stFileUploader'] [role='alert'] {{ font-size: 0; }}
[data-testid='stFileUploader'] [role='alert']::after {{ content: "{refused}"; font-size: 0.875rem; }}
[data-testid='stTooltipErrorContent'] {{ font-size: 0; }}
[data-testid='stTooltipErrorContent']::after {{ content: "{refused}"; font-size: 0.875rem; }}
</style>"""


def _upload_section(store: Store, upload, round_: int) -> None:
    name = Path(upload.name).name  # a browser may send a path; cite the file name only
    data = upload.getvalue()
    parsed = _parsed(hashlib.sha256(data).hexdigest(), name, data)
    if isinstance(parsed, PressRelease | str) and formats.kind_of(name) == "html":
        _press_section(store, parsed, f"{name}-{round_}", round_)
        return
    if parsed.problem:
        st.error(md(parsed.problem))
        return
    table = None
    if len(parsed.sheets) > 1:
        labels = parsed.table_labels()
        chosen = st.selectbox("取り込む表", labels, key=f"data-table-{name}-{round_}")
        table = labels.index(chosen) + 1
    try:
        preview = importer.preview(parsed, table)
    except TableError as exc:
        st.error(md(f"{name}:{exc.line or 1}: {exc.message}"))
        return
    if preview.label:
        st.caption(md(f"表: {preview.label}"))
    st.dataframe([dict(zip(preview.headers, row, strict=False)) for row in preview.sample_rows], hide_index=True)
    mapping = _mapping_inputs(preview, f"{name}-{table or 1}-{round_}")
    report = importer.validate(parsed, mapping, store=store, table=table)
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
    _commit_button(store, report, name, round_)


def _press_section(store: Store, release: PressRelease | str, key: str, round_: int) -> None:
    """A press release's fields, for checking and editing before the one incident is stored."""
    if isinstance(release, str):
        st.error(md(release))
        return
    st.markdown(f"**件名**: {md(release.title or '（件名なし）')}")
    st.caption("ページから読み取った内容です。違っていれば直してから取り込んでください。")
    left, middle, right = st.columns(3)
    body = left.text_input("団体名", release.body, key=f"press-body-{key}")
    date = middle.text_input("日付または年度（例 令和6年3月5日、R6）", release.date, key=f"press-date-{key}")
    url = right.text_input("出典の URL（任意）", "", key=f"press-url-{key}")
    description = st.text_area("事案の内容", release.description, key=f"press-description-{key}")
    measures = st.text_area("再発防止策（1行に1つ）", "\n".join(release.measures), key=f"press-measures-{key}")
    edited = dataclasses.replace(
        release,
        description=description,
        measures=tuple(line.strip() for line in measures.splitlines() if line.strip()),
    )
    report = importer.press_report(edited, body=body, date=date, source_url=url, store=store)
    if report.problems:
        st.error("足りない項目があります（保存していません）。")
        st.text("\n".join(report.problems))
        return
    for warning in report.warnings:
        st.warning(md(warning))
    st.success("1件を取り込めます。内容を確認して「取り込む」を押してください。")
    _commit_button(store, report, report.source, round_)


def _commit_button(store: Store, report: importer.Report, name: str, round_: int) -> None:
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
                "公表団体": body_of(s.incident),
                # Where the row came from, for whoever keeps the data (documents cite the body instead).
                "取り込んだファイル:行": s.incident.citation,
                "更新日時": jst(s.updated_at),
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
            {
                "日時 (JST)": jst(c.at),
                "操作": ACTIONS.get(c.action, c.action),
                "id": c.incident_id,
                "ファイル": c.source_file,
            }
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
