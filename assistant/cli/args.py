"""Options and output shared by the CLI commands, written once (not itself a command)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from data.years import parse_fiscal_year

from ..errors import UserError


def fiscal_year(value: str) -> int:
    """argparse type: R5, 令和5年度, 2023 … → 2023; a clear message otherwise."""
    year = parse_fiscal_year(value)
    if year is None:
        raise argparse.ArgumentTypeError(f"年度「{value}」を解釈できません (e.g. R5, 令和5年度, 2023)")
    return year


def positive_int(value: str) -> int:
    """argparse type for --top: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"「{value}」: 1以上の整数にしてください (must be at least 1)")
    return number


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """--year-from, --year-to and a repeatable --category, as every searching command takes them."""
    parser.add_argument("--year-from", type=fiscal_year, help="この年度から (e.g. R5, 2023)")
    parser.add_argument("--year-to", type=fiscal_year, help="この年度まで (e.g. R6, 2024)")
    parser.add_argument("--category", action="append", help="類型 (e.g. 要配慮); repeatable, any matches")


def filters_from(args: argparse.Namespace, **more):
    """The Filters the options of add_filter_options (and `more`, e.g. kinds) ask for."""
    from index.filters import Filters

    if args.year_from is not None and args.year_to is not None and args.year_from > args.year_to:
        raise UserError(
            f"年度の範囲が逆です: --year-from {args.year_from} は --year-to {args.year_to} 以前にしてください "
            "(--year-from must not be after --year-to)"
        )
    return Filters(year_from=args.year_from, year_to=args.year_to, categories=frozenset(args.category or ()), **more)


def add_data_option(parser: argparse.ArgumentParser, help: str) -> None:
    """--data FILE …, repeatable: `--data a --data b` means both tables (extend, not replace)."""
    parser.add_argument("--data", type=Path, nargs="+", action="extend", metavar="FILE", help=help)


def add_out_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="file.docx か file.md に書き出す (format by extension)")


def check_out(path: Path | None) -> None:
    """Refuse an --out that is neither .md nor .docx before any work is done."""
    from ..documents import WRITERS

    if path is not None and path.suffix.lower() not in WRITERS:
        raise UserError(f"出力形式は .md か .docx にしてください: {path.name} (use .md or .docx)")


def progress_to_stderr(message: str, done: int, total: int) -> None:
    """Index building progress on one rewritten line; stdout stays clean for --json."""
    sys.stderr.write(f"\r{message}: {done}/{total}   " + ("\n" if done >= total else ""))
    sys.stderr.flush()


def write_document(document, path: Path, what: str = "") -> int:
    """Write a .docx/.md document; exit code 0, or a UserError when it cannot be written."""
    from ..documents import write

    try:
        write(document, path)
    except OSError as exc:
        raise UserError(f"{path} に書き込めません: {exc.strerror or exc} (cannot write the file)") from exc
    print(f"{path} に書き出しました{what} (written)", file=sys.stderr)
    return 0
