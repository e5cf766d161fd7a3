"""`python -m assistant study --kind 誤封入 [--out file.docx|file.md]`: a study sheet for training."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from domain.kinds import KIND_VOCABULARY
from index.filters import Filters

from .browse import filter_incidents
from .cli_args import fiscal_year, progress_to_stderr, write_document
from .documents import WRITERS, to_markdown
from .settings import Settings
from .study_sheet import study_sheet, topic_title


def cmd_study(args: argparse.Namespace) -> int:
    kinds = tuple(args.kind or ())
    unknown = [k for k in kinds if k not in KIND_VOCABULARY]
    if unknown:
        print(f"エラー: 種類「{'、'.join(unknown)}」はありません: {'、'.join(KIND_VOCABULARY)}", file=sys.stderr)
        return 2
    if args.out is not None and args.out.suffix.lower() not in WRITERS:
        print(f"エラー: 出力形式は .md か .docx にしてください: {args.out.name} (use .md or .docx)", file=sys.stderr)
        return 2
    try:
        filters = Filters(
            year_from=args.year_from,
            year_to=args.year_to,
            categories=frozenset(args.category or ()),
            kinds=frozenset(kinds),
            contractor=True if args.contractor else None,
        )
    except ValueError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    from .engine import open_engine

    engine = open_engine(Settings.from_env(), progress=progress_to_stderr)
    cases = filter_incidents(engine.corpus.incidents, filters, args.text or "")
    if not cases:
        print("エラー: 条件に合う事案がありません (no incident matches)", file=sys.stderr)
        return 2
    document = study_sheet(cases, engine.searcher, args.title or topic_title(kinds), engine.corpus.labels)
    if args.out is None:
        print(to_markdown(document), end="")
        return 0
    return write_document(document, args.out, f"（{len(cases)}件）")


def register(subparsers) -> None:
    parser = subparsers.add_parser("study", help="研修用の学習シートを作る (a study sheet for a topic)")
    parser.add_argument(
        "--kind", action="append", help=f"事案の種類; repeatable, any matches ({'、'.join(KIND_VOCABULARY)})"
    )
    parser.add_argument("--category", action="append", help="類型 (e.g. 要配慮); repeatable, any matches")
    parser.add_argument("--year-from", type=fiscal_year, help="この年度から (e.g. R5, 2023)")
    parser.add_argument("--year-to", type=fiscal_year, help="この年度まで (e.g. R6, 2024)")
    parser.add_argument("--contractor", action="store_true", help="委託先が関与した事案のみ (contractor cases only)")
    parser.add_argument("--text", help="語句を含む事案のみ (cases containing these words)")
    parser.add_argument("--title", help="資料の題名 (default: 「<種類>の事案から学ぶ」)")
    parser.add_argument("--out", type=Path, help="file.docx か file.md に書き出す (format by extension)")
    parser.set_defaults(func=cmd_study)
