"""Argument types and progress output shared by the CLI commands (not itself a command)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from data.years import parse_fiscal_year


def fiscal_year(value: str) -> int:
    """argparse type: R5, 令和5年度, 2023 … → 2023; a clear message otherwise."""
    year = parse_fiscal_year(value)
    if year is None:
        raise argparse.ArgumentTypeError(f"年度「{value}」を解釈できません (e.g. R5, 令和5年度, 2023)")
    return year


def progress_to_stderr(message: str, done: int, total: int) -> None:
    """Index building progress on one rewritten line; stdout stays clean for --json."""
    sys.stderr.write(f"\r{message}: {done}/{total}   " + ("\n" if done >= total else ""))
    sys.stderr.flush()


def write_document(document, path: Path, what: str = "") -> int:
    """Write a .docx/.md document; exit code 0, or 2 with one sentence when it cannot be written."""
    from .documents import write

    try:
        write(document, path)
    except OSError as exc:
        print(f"エラー: {path} に書き込めません: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{path} に書き出しました{what} (written)", file=sys.stderr)
    return 0
