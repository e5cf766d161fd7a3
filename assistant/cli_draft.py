"""`python -m assistant draft "…"`: a draft of 再発防止策 from the precedents, as Markdown, Word or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.filters import Filters

from .cli_args import fiscal_year, progress_to_stderr, write_document
from .documents import WRITERS, to_markdown
from .drafting import DEFAULT_TOP_K, Citation, Draft, draft_document, gather_measures, new_draft
from .settings import Settings


def draft_to_dict(draft: Draft) -> dict:
    """JSON-ready: the whole draft, unticked items included, with every citation."""

    def case(c: Citation) -> dict:
        return {
            "id": c.incident_id,
            "year_label": c.year_label,
            "citation": c.citation,
            "similarity": round(c.similarity, 4),
        }

    return {
        "question": draft.question,
        "precedents": [
            {**case(p.citation), "summary": p.summary, "categories": list(p.categories)} for p in draft.precedents
        ],
        "items": [
            {
                "key": i.key,
                "text": i.text,
                "theme": i.theme,
                "accepted": i.accepted,
                "origin": i.origin,
                "support": round(i.support, 4),
                "citations": [case(c) for c in i.citations],
                "variants": list(i.variants),
            }
            for i in draft.items
        ],
    }


def cmd_draft(args: argparse.Namespace) -> int:
    question = " ".join(args.question.split())
    if not question:
        print("エラー: 事案の内容を入力してください (the incident text is empty)", file=sys.stderr)
        return 2
    if args.out is not None and args.out.suffix.lower() not in WRITERS:
        print(f"エラー: 出力形式は .md か .docx にしてください: {args.out.name} (use .md or .docx)", file=sys.stderr)
        return 2
    from .engine import open_engine

    engine = open_engine(Settings.from_env(), progress=progress_to_stderr)
    filters = Filters(year_from=args.year_from, year_to=args.year_to, categories=frozenset(args.category or ()))
    draft = new_draft(gather_measures(question, engine.searcher, top_k=args.top, filters=filters))
    if args.json:
        print(json.dumps(draft_to_dict(draft), ensure_ascii=False, indent=2))
    elif args.out is None:
        print(to_markdown(draft_document(draft)), end="")
    if args.out is not None:
        return write_document(draft_document(draft), args.out)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("draft", help="前例から再発防止策の案を作る (draft prevention measures)")
    parser.add_argument("question", help="起きた事案を日本語で (the incident, in plain Japanese)")
    parser.add_argument(
        "--top", type=int, default=DEFAULT_TOP_K, help=f"参考にする前例の件数 (default {DEFAULT_TOP_K})"
    )
    parser.add_argument("--out", type=Path, help="file.docx か file.md に書き出す (format by extension)")
    parser.add_argument("--json", action="store_true", help="案をJSONで出力 (print the draft as JSON)")
    parser.add_argument("--year-from", type=fiscal_year, help="この年度から (e.g. R5, 2023)")
    parser.add_argument("--year-to", type=fiscal_year, help="この年度まで (e.g. R6, 2024)")
    parser.add_argument("--category", action="append", help="類型 (e.g. 要配慮); repeatable, any matches")
    parser.set_defaults(func=cmd_draft)
