"""`python -m assistant search "…"`: the nearest precedents, as text cards or JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from ..answer import DEFAULT_TOP_K
from .args import add_filter_options, filters_from, positive_int
from .common import open_cli_engine


def cmd_search(args: argparse.Namespace) -> int:
    from ..conversation import interpret, respond
    from ..render import answer_to_text, hit_to_dict

    filters = filters_from(args)
    engine = open_cli_engine()
    # Filters written in the question (「R6の」「要配慮のみ」) apply as they do on the page.
    request = interpret(args.question, None, top_k=args.top, today=dt.date.today(), labels=engine.corpus.labels)
    result = respond(request, filters, searcher=engine.searcher)
    if args.json:
        print(json.dumps([hit_to_dict(hit) for hit in result.hits], ensure_ascii=False, indent=2))
    else:
        print(answer_to_text(result))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "search",
        help="似た前例を探す (search similar past incidents)",
        description="事案や心配事の文章から、似ている過去の事案と再発防止策を探します。",
    )
    parser.add_argument("question", help="事案や心配事を日本語で (the incident, in plain Japanese)")
    parser.add_argument("--top", type=positive_int, default=DEFAULT_TOP_K, help=f"件数 (default {DEFAULT_TOP_K})")
    parser.add_argument("--json", action="store_true", help="JSONで出力 (print JSON)")
    add_filter_options(parser)
    parser.set_defaults(func=cmd_search)
