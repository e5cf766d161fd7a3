"""Command-line interface: parses arguments, calls the library, prints text or JSON.

The commands are listed here, in the order `--help` shows them; each module holds one command
(or a group) with its `register(subparsers)`. Failures the user can fix become one line on
stderr and exit code 2 (assistant/errors.py); anything else is a bug and raises.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import EXIT_USER_ERROR, user_message
from ..settings import Settings
from . import build, classify, draft, evaluate, export, import_table, search, serve, study, triage

COMMANDS = (search, build, evaluate, classify, draft, export, import_table, study, triage, serve)


def _prog() -> str:
    # The name the user typed: the installed `zenrei` script, or `python -m assistant`.
    return "zenrei" if Path(sys.argv[0]).stem == "zenrei" else "python -m assistant"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="Zenrei（前例）: 個人情報漏えい等の事案から、似た前例と再発防止策を探します。",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", help="コマンド (command)")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("中断しました (interrupted)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`… | head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        message = user_message(exc, Settings.from_env())
        if message is None:
            raise  # a programming error: the traceback is for the developer
        print(f"エラー: {message}", file=sys.stderr)
        return EXIT_USER_ERROR
