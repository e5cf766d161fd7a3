"""`python -m assistant eval --queries FILE | --incident-queries [--data FILE …]`: ranking quality."""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

from index.searcher import METHODS

from ..errors import UserError
from ..settings import Settings
from .args import add_data_option
from .common import open_cli_engine


def cmd_eval(args: argparse.Namespace) -> int:
    from ..evaluation import evaluate, load_queries

    if not args.queries and not args.incident_queries:
        raise UserError("--queries か --incident-queries を指定してください (give --queries or --incident-queries)")
    queries = load_queries(args.queries) if args.queries else []
    settings = Settings.from_env()
    methods = METHODS if args.method == "all" else (args.method,)
    with tempfile.TemporaryDirectory(prefix="zenrei-eval-") as tmp:
        if args.data:
            # Exactly these files, indexed in a throwaway place: the default index is untouched.
            settings = dataclasses.replace(settings, tables=tuple(args.data))
            engine = open_cli_engine(settings, index_dir=Path(tmp) / "index")
        else:
            engine = open_cli_engine(settings)
        if args.incident_queries:
            # Each labelled incident (with a body and incident_type) as the question, itself excluded.
            from ..crossval import incident_query_report

            first = args.first_sentence
            reports = {m: incident_query_report(engine.searcher, m, first_only=first) for m in methods}
        else:
            reports = {method: evaluate(engine.searcher, queries, method) for method in methods}
    if args.json:
        print(json.dumps(reports[methods[0]] if len(methods) == 1 else reports, ensure_ascii=False, indent=2))
        return 0
    print(f"{'method':<8} {'nDCG@5':>7} {'nDCG@10':>8} {'R@10':>6} {'MRR':>6}  n={reports[methods[0]]['n_queries']}")
    for method, r in reports.items():
        print(f"{method:<8} {r['ndcg@5']:>7.3f} {r['ndcg@10']:>8.3f} {r['recall@10']:>6.3f} {r['mrr']:>6.3f}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="検索品質を測る (measure ranking quality)",
        description="判定付きの質問 (JSONL) で検索の順位の良さ (nDCG, Recall, MRR) を測ります。",
    )
    parser.add_argument("--queries", type=Path, help="判定付きの質問 (JSONL with query, relevant, no_precedent)")
    parser.add_argument(
        "--incident-queries", action="store_true", help="各事案の内容を質問に (each labelled incident as the question)"
    )
    parser.add_argument(
        "--first-sentence", action="store_true", help="--incident-queries で最初の文だけ (its first sentence only)"
    )
    add_data_option(parser, "この表だけを一時的な索引で測る; repeatable (index exactly these tables, temporarily)")
    parser.add_argument(
        "--method", choices=[*METHODS, "all"], default="hybrid", help="順位づけの方法 (default hybrid; all: each)"
    )
    parser.add_argument(
        "--json", action="store_true", help="JSONで出力 (one JSON object; a dict per method with --method all)"
    )
    parser.set_defaults(func=cmd_eval)
