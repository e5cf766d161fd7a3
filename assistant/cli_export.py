"""`python -m assistant export [--out DIR] [--all]`: the store as CSV (UTF-8 with BOM) and JSONL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .exporter import export_incidents, export_store
from .settings import Settings
from .store import Store, store_path


def cmd_export(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        with Store(store_path(settings.home)) as store:
            written = export_store(store, args.out)
        if args.all:
            from .corpus import load_corpus

            corpus = load_corpus(settings.tables, store_file=store_path(settings.home))
            written += export_incidents(corpus.incidents, corpus.labels, args.out)
    except OSError as exc:
        print(f"エラー: {args.out} に書き込めません: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("export", help="保存した事案を書き出す (export the store as CSV and JSONL)")
    parser.add_argument("--out", type=Path, default=Path("."), help="書き出すフォルダ (default: current folder)")
    parser.add_argument("--all", action="store_true", help="表の事案も含めて全件を書き出す (all incidents too)")
    parser.set_defaults(func=cmd_export)
