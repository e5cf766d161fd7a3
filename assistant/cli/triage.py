"""`python -m assistant triage "…" --discovered 2024-05-01`: does this incident need reporting?

Only the answers given on the command line decide; suggestions from the text and the nearest
precedents are printed beside them, and adopted only with --accept-suggestions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import unicodedata
from typing import Any

from data.records import Incident
from data.years import display_year

from ..errors import UserError
from ..triage import DISCLAIMER, ENTITIES, LOCAL_GOVERNMENT, TRI_LABELS, Checklist, Triage, assess
from ..triage_hints import Suggestions, nearest_precedents, same_category_precedents, suggest
from ..triage_report import FIELD_LABELS, build_report, render_text
from .common import configured_corpus, open_cli_engine

TRI_CHOICES = ("yes", "no", "unknown")
SUMMARY_CHARS = 60


def parse_date(value: str) -> dt.date:
    text = unicodedata.normalize("NFKC", value).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"発覚日「{value}」を日付として読めません (e.g. 2024-05-01)") from None


def _people(value: str) -> int:
    try:
        number = int(unicodedata.normalize("NFKC", value).replace(",", ""))
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"本人の数「{value}」は0以上の整数で指定してください")
    return number


def _engine():
    return open_cli_engine()


def _summary(incident: Incident) -> str:
    text = incident.description
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS] + "…"


def _suggestion_value(field: str, value: Any) -> str:
    if field == "people":
        return "不明" if value is None else f"{value:,}人"
    return TRI_LABELS[value]


def report_to_dict(result: Triage, suggestions: Suggestions, precedents: list[Incident]) -> dict[str, Any]:
    checklist = result.checklist
    return {
        "disclaimer": result.disclaimer,
        "verdict": result.verdict,
        "verdict_label": result.verdict_label,
        "legal_basis": result.legal_basis,
        "checklist": {
            "entity": checklist.entity,
            "discovered": checklist.discovered.isoformat(),
            **{f: getattr(checklist, f) for f in FIELD_LABELS},
        },
        "situations": [
            {
                "number": f.situation.number,
                "name": f.situation.name,
                "category": f.category,
                "status": f.status,
                "reason": f.reason,
            }
            for f in result.findings
        ],
        "categories": list(result.categories),
        "deadlines": [
            {"kind": d.kind, "due": d.due.isoformat(), "days": d.days, "label": d.label, "rule": d.rule}
            for d in result.deadlines
        ],
        "notes": list(result.notes),
        "suggestions": {
            field: {
                "value": s.value,
                "source": s.source,
                "evidence": [{"source": e.source, "detail": e.detail, "ids": list(e.ids)} for e in s.evidence],
            }
            for field, s in suggestions.by_field().items()
        },
        "nearest_precedents": list(suggestions.precedent_ids),
        "same_category_precedents": [
            {
                "id": i.id,
                "fiscal_year": i.fiscal_year,
                "year_label": display_year(i.fiscal_year),
                "summary": i.description,
            }
            for i in precedents
        ],
    }


def report_to_text(
    text: str, result: Triage, suggestions: Suggestions, precedents: list[Incident], labels: dict[str, str]
) -> str:
    """The page's triage result (assistant/triage_report.py), as plain text, with the CLI's hint."""
    rendered = render_text(build_report(text, result, precedents, labels=labels, suggestions=suggestions))
    if result.verdict != "pending":
        return rendered
    hint = "未確認の項目は --sensitive yes 等で確認するか、--accept-suggestions で提案を採用してください。"
    return f"{rendered}\n\n{hint}"


def cmd_triage(args: argparse.Namespace) -> int:
    if args.discovered is None:
        raise UserError("発覚日を --discovered 2024-05-01 の形で指定してください。 (--discovered is required)")
    if args.no_search:
        # No model, but the same cases as with search: the tables and the imported ones.
        corpus = configured_corpus()
        incidents, nearest, labels = corpus.incidents, [], corpus.labels
    else:
        engine = _engine()
        incidents, nearest = engine.corpus.incidents, nearest_precedents(args.text, engine.searcher)
        labels = engine.corpus.labels
    suggestions = suggest(args.text, nearest)
    confirmed = {f: getattr(args, f) for f in FIELD_LABELS}
    if args.accept_suggestions:
        checklist = suggestions.checklist(args.discovered, args.entity, **confirmed)
    else:
        given = {f: v for f, v in confirmed.items() if v is not None}
        checklist = Checklist(discovered=args.discovered, entity=args.entity, **given)
    result = assess(checklist)
    precedents = same_category_precedents(incidents, result.categories, suggestions.precedent_ids)
    if args.json:
        print(json.dumps(report_to_dict(result, suggestions, precedents), ensure_ascii=False, indent=2))
    else:
        print(report_to_text(args.text, result, suggestions, precedents, labels))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "triage",
        help="個人情報保護委員会への報告要否と期限の確認を支援する (reporting triage; support, not a legal decision)",
        description=f"事案の文章と確認済みの回答から、報告対象事態と期限を示します。{DISCLAIMER}",
    )
    parser.add_argument("text", help="事案の内容を日本語で (the incident, in plain Japanese)")
    parser.add_argument("--discovered", type=parse_date, help="発覚日 (YYYY-MM-DD); required")
    parser.add_argument("--people", type=_people, help="本人の数 (number of people); omit when unknown")
    for field, label in FIELD_LABELS.items():
        if field != "people":
            parser.add_argument(f"--{field}", choices=TRI_CHOICES, help=f"{label}: yes / no / unknown")
    parser.add_argument("--entity", choices=ENTITIES, default=LOCAL_GOVERNMENT, help="主体 (default 地方公共団体)")
    parser.add_argument(
        "--accept-suggestions",
        action="store_true",
        help="指定しなかった項目に提案を採用する (fill unanswered items from the suggestions)",
    )
    parser.add_argument("--no-search", action="store_true", help="前例を検索しない (no model; text rules only)")
    parser.add_argument("--json", action="store_true", help="JSONで出力 (print JSON)")
    parser.set_defaults(func=cmd_triage)
