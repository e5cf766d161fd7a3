"""`python -m assistant build [--force]`: build or refresh the saved index."""

from __future__ import annotations

import argparse
import sys

from ..settings import Settings
from .common import open_cli_engine


def cmd_build(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    # With --force the saved index keeps answering (pages, other commands) until the new one
    # is swapped in: it is never deleted first.
    engine = open_cli_engine(settings, force=args.force)
    state = f"再構築しました ({engine.rebuilt_because})" if engine.rebuilt_because else "索引は最新です (up to date)"
    print(f"{len(engine.corpus.incidents)}件の事案: {state}\n索引: {settings.index_dir}")
    for warning in engine.corpus.warnings:
        print(f"警告: {warning}", file=sys.stderr)
    if engine.save_error:  # built and usable now, but not saved (a full disk)
        print(f"警告: {engine.save_error}", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "build",
        help="索引を作る・更新する (build or refresh the index)",
        description="表と取り込んだ事案から検索用の索引を作ります。最新なら何もしません。",
    )
    parser.add_argument("--force", action="store_true", help="最新でも作り直す (rebuild even if current)")
    parser.set_defaults(func=cmd_build)
