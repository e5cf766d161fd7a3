"""`python -m assistant classify [--data FILE …] [--json] [--agreement]`: kinds of each incident.

Rules only (no model, no index): the kinds, medium and contractor flag of every incident in the
given tables, or in the configured corpus (tables and imported cases) when --data is not given. --agreement compares the
main kind with the tables' published `incident_type` labels instead.
"""

from __future__ import annotations

import argparse
import json

from domain.kind_agreement import agreement, format_report
from domain.kind_rules import classify

from ..corpus import load_corpus
from .args import add_data_option
from .common import configured_corpus


def _line(incident_id: str, kinds) -> str:
    medium = kinds.medium or "不明"
    contractor = "あり" if kinds.contractor else "なし"
    return f"{incident_id}\t{'・'.join(kinds.kinds)}\t媒体: {medium}\t委託先の関与: {contractor}"


def cmd_classify(args: argparse.Namespace) -> int:
    # A table that cannot be read raises TableError (file:line); main prints it and exits 2.
    incidents = (load_corpus(args.data) if args.data else configured_corpus()).incidents
    if args.agreement:
        report = agreement(incidents)
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else format_report(report))
        return 0
    results = [(incident, classify(incident)) for incident in incidents]
    if args.json:
        rows = [
            {
                "id": incident.id,
                "source": incident.citation,
                "kinds": list(kinds.kinds),
                "medium": kinds.medium,
                "contractor": kinds.contractor,
            }
            for incident, kinds in results
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print("\n".join(_line(incident.id, kinds) for incident, kinds in results))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="事案の種類・媒体・委託先の関与を本文から判定する (incident kinds, medium, contractor; rules only)",
        description="事案の本文から種類（誤封入・紛失など、主なものが先頭）、媒体、委託先の関与を規則で判定します。",
    )
    add_data_option(parser, "この表だけを判定する; repeatable (classify exactly these tables)")
    parser.add_argument("--json", action="store_true", help="JSONで出力 (print JSON)")
    parser.add_argument(
        "--agreement",
        action="store_true",
        help="公開ラベル (incident_type) との一致率と取り違えを表示 (agreement with published labels)",
    )
    parser.set_defaults(func=cmd_classify)
