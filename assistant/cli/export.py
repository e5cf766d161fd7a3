"""`python -m assistant export [--out DIR] [--all]`: the store as CSV (UTF-8 with BOM) and JSONL."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserError
from ..exporter import export_incidents, export_store
from ..settings import Settings
from ..store import Store, store_path
from .common import configured_corpus


def cmd_export(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    # Opening the store or reading the tables fails on its own terms (main names ZENREI_HOME or
    # the table); only writing into --out is this command's own error.
    corpus = configured_corpus(settings) if args.all else None
    with Store(store_path(settings.home)) as store:
        try:
            written = export_store(store, args.out)
            if corpus is not None:
                written += export_incidents(corpus.incidents, corpus.labels, args.out)
        except OSError as exc:
            raise UserError(f"{args.out} に書き込めません: {exc.strerror or exc} (cannot write there)") from exc
    for path in written:
        print(path)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="保存した事案を書き出す (export the store as CSV and JSONL)",
        description="取り込んだ事案と変更履歴を CSV (BOM付き UTF-8) と JSONL に書き出します。",
    )
    parser.add_argument("--out", type=Path, default=Path("."), help="書き出すフォルダ (default: current folder)")
    parser.add_argument("--all", action="store_true", help="表の事案も含めて全件を書き出す (all incidents too)")
    parser.set_defaults(func=cmd_export)
