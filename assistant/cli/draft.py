"""`python -m assistant draft "…"`: a draft of 再発防止策 from the precedents, as Markdown, Word or JSON."""

from __future__ import annotations

import argparse
import json

from ..documents import to_markdown
from ..drafting import DEFAULT_TOP_K, Citation, Draft, draft_document, gather_measures, new_draft
from ..errors import UserError
from .args import add_filter_options, add_out_option, check_out, filters_from, positive_int, write_document
from .common import open_cli_engine


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
        raise UserError("事案の内容を入力してください (the incident text is empty)")
    check_out(args.out)
    filters = filters_from(args)
    engine = open_cli_engine()
    draft = new_draft(gather_measures(question, engine.searcher, top_k=args.top, filters=filters))
    if args.json:
        print(json.dumps(draft_to_dict(draft), ensure_ascii=False, indent=2))
    elif args.out is None:
        print(to_markdown(draft_document(draft)), end="")
    if args.out is not None:
        return write_document(draft_document(draft), args.out)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "draft",
        help="前例から再発防止策の案を作る (draft prevention measures)",
        description="起きた事案に似た前例の再発防止策をまとめ、出典付きの案を Markdown・Word・JSON で出します。",
    )
    parser.add_argument("question", help="起きた事案を日本語で (the incident, in plain Japanese)")
    parser.add_argument(
        "--top", type=positive_int, default=DEFAULT_TOP_K, help=f"参考にする前例の件数 (default {DEFAULT_TOP_K})"
    )
    add_out_option(parser)
    parser.add_argument("--json", action="store_true", help="案をJSONで出力 (print the draft as JSON)")
    add_filter_options(parser)
    parser.set_defaults(func=cmd_draft)
