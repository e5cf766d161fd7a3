"""`python -m assistant import FILE [--map 年度=列名 …] [--yes]`: add a table's cases to the store.

The validation report is printed as "file:line: what is wrong" lines; nothing is stored when
there is a problem (exit 2), nor without confirmation (--yes, or "y" at the prompt when stdin
is a terminal). After storing, the saved index is updated incrementally (only the new cases
are embedded), so the next start loads it instead of rebuilding.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli_args import progress_to_stderr
from .importer import FIELD_LABELS, Mapping, commit, field_name, preview, validate
from .settings import Settings
from .store import Store, StoreError, store_path


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


def cmd_import(args: argparse.Namespace) -> int:
    try:
        overrides = parse_map(args.map)
    except ValueError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    path: Path = args.file
    settings = Settings.from_env()
    try:
        suggested = preview(path).suggested_mapping
    except Exception:  # validate() reports an unreadable file as file:line below
        suggested = {}
    mapping = {**suggested, **overrides}
    with Store(store_path(settings.home)) as store:
        report = validate(path, mapping, source=str(path.resolve()), store=store)
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
            from .engine import open_engine

            # The index of the store as it is now, so only the new cases need embedding below.
            engine = open_engine(settings, progress=progress_to_stderr)
        try:
            count = commit(report, store)
        except StoreError as exc:
            print(f"エラー: {exc}", file=sys.stderr)
            return 2
    print(f"{count}件を保存しました (stored in {store_path(settings.home)})")
    if engine is not None:
        from .engine import refresh_engine

        engine, stats = refresh_engine(engine, settings)
        if engine.save_error:  # the cases are stored; only the saved index is behind
            print(f"警告: {engine.save_error}", file=sys.stderr)
            return 0
        print(f"索引を更新しました: {stats.embedded}件の文を埋め込み、{stats.reused}件は再利用 (index updated)")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("import", help="表を取り込んで事案を保存する (import a table into the store)")
    parser.add_argument("file", type=Path, help="CSV / TSV / Excel (.xlsx) / JSONL")
    parser.add_argument(
        "--map",
        action="append",
        metavar="項目=列名",
        help="列の対応 (e.g. 年度=発生年度, 事案の内容=概要); fields: 年度 事案の内容 類型 再発防止策 id",
    )
    parser.add_argument("--yes", action="store_true", help="確認せずに保存する (store without asking)")
    parser.add_argument("--no-index", action="store_true", help="索引を更新しない (next start rebuilds it)")
    parser.set_defaults(func=cmd_import)
