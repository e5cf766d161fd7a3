"""`python -m assistant import FILE [--map 年度=列名 …] [--table N] [--yes]`: add a table's cases to the store.

The validation report is printed as "file:line: what is wrong" lines; nothing is stored when
there is a problem (exit 2), nor without confirmation (--yes, or "y" at the prompt when stdin
is a terminal). After storing, the saved index is updated incrementally (only the new cases
are embedded), so the next start loads it instead of rebuilding.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from data import formats

from ..importer import (
    FIELD_LABELS,
    Mapping,
    Report,
    commit,
    field_name,
    parse,
    parse_press,
    press_report,
    suggest_mapping,
    validate,
)
from ..settings import Settings
from ..store import Store, StoreError, store_path
from .common import open_cli_engine


def parse_map(items: list[str] | None) -> Mapping:
    """["年度=日付", "description=内容"] -> {"year": "日付", "description": "内容"}; ValueError."""
    mapping: Mapping = {}
    for item in items or ():
        name, sep, header = item.partition("=")
        if not sep or not header.strip():
            raise ValueError(f"--map は「項目=列名」の形で指定してください: {item} (use FIELD=COLUMN)")
        mapping[field_name(name)] = header.strip()
    return mapping


def _confirmed(args: argparse.Namespace, count: int) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        return False
    answer = input(f"{count}件を保存しますか？ [y/N] ")
    return answer.strip().lower() in ("y", "yes", "はい")


def _press_report(args: argparse.Namespace, path: Path, store: Store) -> Report:
    """A press-release page: its incident shown field by field before anything is stored."""
    release = parse_press(path, str(path.resolve()))
    if isinstance(release, str):
        return Report(str(path.resolve()), (), (release,))
    report = press_report(
        release, body=args.body, date=args.date, year=args.year, source_url=args.source_url, store=store
    )
    for incident in report.incidents:
        print(f"件名: {release.title}")
        print(f"団体: {incident.metadata.get('body', '')}  日付: {incident.year_raw}")
        print(f"事案の内容: {incident.description}")
        for measure in incident.measures:
            print(f"再発防止策: {measure}")
    return report


def cmd_import(args: argparse.Namespace) -> int:
    try:
        overrides = parse_map(args.map)
    except ValueError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    path: Path = args.file
    if not formats.accepted(path):
        print(
            f"エラー: {path}: この形式は取り込めません。取り込める形式: {formats.accepted_list()} "
            "(unsupported file type)",
            file=sys.stderr,
        )
        return 2
    settings = Settings.from_env()
    press = formats.kind_of(path) == "html"
    mapping: Mapping = {}
    if not press:
        parsed = parse(path, str(path.resolve()))  # read once: the mapping and the report share it
        sheets = parsed.sheets
        chosen = sheets[args.table - 1] if args.table and 0 < args.table <= len(sheets) else None
        if chosen is None and len(sheets) == 1:
            chosen = sheets[0]
        mapping = {**(suggest_mapping(chosen.headers) if chosen else {}), **overrides}
    with Store(store_path(settings.home)) as store:
        if press:
            report = _press_report(args, path, store)
        else:
            report = validate(parsed, mapping, store=store, table=args.table)
        for line in report.problems:
            print(line)
        for line in report.warnings:
            print(f"警告: {line}")
        if report.problems:
            shown = "、".join(f"{FIELD_LABELS[k]}={v}" for k, v in mapping.items()) or "なし"
            print(
                f"エラー: {len(report.problems)}件の問題があるため保存しませんでした (nothing stored)。"
                f"列の対応: {shown}",
                file=sys.stderr,
            )
            return 2
        print(f"{report.source}: {len(report.incidents)}件を取り込めます (ready to import)")
        if not _confirmed(args, len(report.incidents)):
            print("保存しませんでした。--yes を付けると保存します (not stored; pass --yes to store)")
            return 0
        engine = None
        if not args.no_index:
            # The index of the store as it is now, so only the new cases need embedding below.
            engine = open_cli_engine(settings)
        try:
            count = commit(report, store)
        except StoreError as exc:
            print(f"エラー: {exc}", file=sys.stderr)
            return 2
    print(f"{count}件を保存しました (stored in {store_path(settings.home)})")
    if engine is not None:
        from ..engine import refresh_engine

        engine, stats = refresh_engine(engine, settings)
        if engine.save_error:  # the cases are stored; only the saved index is behind
            print(f"警告: {engine.save_error}", file=sys.stderr)
            return 0
        print(f"索引を更新しました: {stats.embedded}件の文を埋め込み、{stats.reused}件は再利用 (index updated)")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "import",
        help="表を取り込んで事案を保存する (import a table into the store)",
        description="表の各行を確かめ、問題がなければ事案として保存し、索引を更新します。問題があれば何も保存しません。",
    )
    parser.add_argument("file", type=Path, help=f"取り込むファイル ({formats.accepted_list()})")
    parser.add_argument(
        "--map",
        action="append",
        metavar="項目=列名",
        help="列の対応 (e.g. 年度=発生年度, 事案の内容=概要); fields: 年度 事案の内容 類型 再発防止策 id",
    )
    parser.add_argument(
        "--table", type=int, metavar="N", help="PDF に表が複数あるとき、取り込む表の番号 (1 から; 省略時は一覧を表示)"
    )
    press = parser.add_argument_group("報道発表のページ (.html) / press-release pages")
    press.add_argument("--body", help="団体名 (ページにないとき、またはページと違うとき)")
    press.add_argument("--date", help="事案の日付 (例 2024-03-05、令和6年3月5日); 年度はこの日付から")
    press.add_argument("--year", help="年度 (例 R6、2024); --date より優先")
    press.add_argument("--source-url", help="ページの URL (出典として記録し、カードに表示)")
    parser.add_argument("--yes", action="store_true", help="確認せずに保存する (store without asking)")
    parser.add_argument("--no-index", action="store_true", help="索引を更新しない (next start rebuilds it)")
    parser.set_defaults(func=cmd_import)
