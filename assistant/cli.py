"""Command-line interface: parses arguments, calls the library, prints text or JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import pkgutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from data.records import TableError
from index.filters import Filters
from index.searcher import METHODS

from .answer import DEFAULT_TOP_K
from .cli_args import fiscal_year, progress_to_stderr
from .render import answer_to_text, hit_to_dict
from .settings import Settings


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(year_from=args.year_from, year_to=args.year_to, categories=frozenset(args.category or ()))


def cmd_search(args: argparse.Namespace) -> int:
    from .conversation import interpret, respond
    from .engine import open_engine

    engine = open_engine(Settings.from_env(), progress=progress_to_stderr)
    # Filters written in the question (「R6の」「要配慮のみ」) apply as they do on the page.
    request = interpret(args.question, None, top_k=args.top, today=dt.date.today(), labels=engine.corpus.labels)
    result = respond(request, _filters(args), searcher=engine.searcher)
    if args.json:
        print(json.dumps([hit_to_dict(hit) for hit in result.hits], ensure_ascii=False, indent=2))
    else:
        print(answer_to_text(result))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .engine import open_engine

    settings = Settings.from_env()
    # With --force the saved index keeps answering (pages, other commands) until the new one
    # is swapped in: it is never deleted first.
    engine = open_engine(settings, progress=progress_to_stderr, force=args.force)
    state = f"再構築しました ({engine.rebuilt_because})" if engine.rebuilt_because else "索引は最新です (up to date)"
    print(f"{len(engine.corpus.incidents)}件の事案: {state}\n索引: {settings.index_dir}")
    for warning in engine.corpus.warnings:
        print(f"警告: {warning}", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .engine import open_engine
    from .evaluation import evaluate, load_queries

    if not args.queries and not args.incident_queries:
        message = "エラー: --queries か --incident-queries を指定してください (give --queries or --incident-queries)"
        print(message, file=sys.stderr)
        return 2
    queries = load_queries(args.queries) if args.queries else []
    settings = Settings.from_env()
    methods = METHODS if args.method == "all" else (args.method,)
    with tempfile.TemporaryDirectory(prefix="zenrei-eval-") as tmp:
        if args.data:
            # Exactly these files, indexed in a throwaway place: the default index is untouched.
            settings = Settings(home=settings.home, model=settings.model, tables=tuple(args.data))
            engine = open_engine(settings, index_dir=Path(tmp) / "index", progress=progress_to_stderr)
        else:
            engine = open_engine(settings, progress=progress_to_stderr)
        if args.incident_queries:
            # Each labelled incident (with a body and incident_type) as the question, itself excluded.
            from .crossval import incident_query_report

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Zenrei（前例）: 個人情報漏えい等の事案から、似た前例と再発防止策を探します。",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    search = sub.add_parser("search", help="似た前例を探す (search similar past incidents)")
    search.add_argument("question", help="事案や心配事を日本語で (the incident, in plain Japanese)")
    search.add_argument("--top", type=int, default=DEFAULT_TOP_K, help=f"件数 (default {DEFAULT_TOP_K})")
    search.add_argument("--json", action="store_true", help="JSONで出力 (print JSON)")
    search.add_argument("--year-from", type=fiscal_year, help="この年度から (e.g. R5, 2023)")
    search.add_argument("--year-to", type=fiscal_year, help="この年度まで (e.g. R6, 2024)")
    search.add_argument("--category", action="append", help="類型 (e.g. 要配慮); repeatable, any matches")
    search.set_defaults(func=cmd_search)

    build = sub.add_parser("build", help="索引を作る・更新する (build or refresh the index)")
    build.add_argument("--force", action="store_true", help="最新でも作り直す (rebuild even if current)")
    build.set_defaults(func=cmd_build)

    ev = sub.add_parser("eval", help="検索品質を測る (measure ranking quality)")
    ev.add_argument("--queries", type=Path, help="JSONL with query, relevant, no_precedent")
    ev.add_argument(
        "--incident-queries", action="store_true", help="各事案の内容を質問に (each incident as the question)"
    )
    ev.add_argument("--first-sentence", action="store_true", help="with --incident-queries: its first sentence only")
    ev.add_argument("--data", type=Path, nargs="+", help="index exactly these tables, in a temporary place")
    ev.add_argument("--method", choices=[*METHODS, "all"], default="hybrid")
    ev.add_argument("--json", action="store_true", help="one JSON object (a dict per method with --method all)")
    ev.set_defaults(func=cmd_eval)

    # Further commands live in assistant/cli_<name>.py, each with register(subparsers), so a
    # feature brings its command along without this file growing.
    package = importlib.import_module("assistant")
    for info in sorted(pkgutil.iter_modules(package.__path__, "assistant."), key=lambda m: m.name):
        if info.name.split(".")[-1].startswith("cli_") and info.name != "assistant.cli_args":
            importlib.import_module(info.name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "top", 1) is not None and getattr(args, "top", 1) < 1:
        parser.error("--top は1以上にしてください (--top must be at least 1)")
    try:
        return args.func(args)
    except TableError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
