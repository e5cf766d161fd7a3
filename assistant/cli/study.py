"""`python -m assistant study --kind 誤封入 [--out file.docx|file.md]`: a study sheet for training."""

from __future__ import annotations

import argparse

from domain.kinds import KIND_VOCABULARY

from ..browse import filter_incidents
from ..documents import to_markdown
from ..errors import UserError
from ..study_sheet import study_sheet, topic_title
from .args import add_filter_options, add_out_option, check_out, filters_from, write_document
from .common import open_cli_engine


def cmd_study(args: argparse.Namespace) -> int:
    kinds = tuple(args.kind or ())
    unknown = [k for k in kinds if k not in KIND_VOCABULARY]
    if unknown:
        raise UserError(f"種類「{'、'.join(unknown)}」はありません: {'、'.join(KIND_VOCABULARY)} (unknown kind)")
    check_out(args.out)
    filters = filters_from(args, kinds=frozenset(kinds), contractor=True if args.contractor else None)
    engine = open_cli_engine()
    cases = filter_incidents(engine.corpus.incidents, filters, args.text or "")
    if not cases:
        raise UserError("条件に合う事案がありません (no incident matches)")
    document = study_sheet(cases, engine.searcher, args.title or topic_title(kinds), engine.corpus.labels)
    if args.out is None:
        print(to_markdown(document), end="")
        return 0
    return write_document(document, args.out, f"（{len(cases)}件）")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "study",
        help="研修用の学習シートを作る (a study sheet for a topic)",
        description="種類・類型・年度で選んだ事案から、研修で配る学習シートを Markdown か Word で作ります。",
    )
    parser.add_argument(
        "--kind", action="append", help=f"事案の種類; repeatable, any matches ({'、'.join(KIND_VOCABULARY)})"
    )
    add_filter_options(parser)
    parser.add_argument("--contractor", action="store_true", help="委託先が関与した事案のみ (contractor cases only)")
    parser.add_argument("--text", help="語句を含む事案のみ (cases containing these words)")
    parser.add_argument("--title", help="資料の題名 (default: 「<種類>の事案から学ぶ」)")
    add_out_option(parser)
    parser.set_defaults(func=cmd_study)
