"""Malformed PDF lists and press-release pages never crash the import and never touch the store.

Hypothesis damages a real PDF list (drawn once with tests/pdf_layouts.py: truncated, bytes
overwritten, garbage spliced in, a PDF header on random bytes) and writes HTML from fragments
(unclosed and stray tags, hidden blocks, scripts, hostile attributes, section headings in any
order). Every outcome is a report: problems as "file:place: …" lines and nothing stored, or
incidents with plain text. ZENREI_FUZZ_EXAMPLES sets the count; `python bench/fuzz.py` runs long.
"""

from __future__ import annotations

import os
import re
import tempfile
from functools import cache
from pathlib import Path

from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdf_layouts import list_pdf

from assistant import importer
from assistant.store import Store, StoreError

EXAMPLES = max(10, int(os.environ.get("ZENREI_FUZZ_EXAMPLES", "100")) // 3)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROBLEM = re.compile(r"^[^\n]+:(?:\d+|p\d+:\d+): [^\n]+$")
READS = {"pdf": 0, "html": 0}  # counted for bench/fuzz.py


@cache
def _list_pdf() -> bytes:
    rows = [line.split("\t") for line in SEED.read_text(encoding="utf-8").splitlines()[3:9] if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        header = ["年度", "事案の内容", "類型", "再発防止策"]
        shown = [[c.replace("<", "") for c in (r + [""] * 4)[:4]] for r in rows]
        return list_pdf(Path(tmp) / "list.pdf", [("一覧", header, shown)]).read_bytes()


def _check(report: importer.Report, tmp: str) -> None:
    assert all(PROBLEM.match(problem) for problem in report.problems), report.problems
    if report.problems:
        assert report.incidents == ()
    for incident in report.incidents:
        assert incident.description.strip() and "<" not in incident.description
        assert all("<" not in m for m in incident.measures)
    with Store(Path(tmp) / "store.sqlite3") as store:
        try:
            importer.commit(report, store)
        except StoreError:
            assert store.incidents() == ()  # refused: nothing stored
        else:
            assert len(store.incidents()) == len(report.incidents)


@st.composite
def damaged_pdfs(draw) -> bytes:
    blob = bytearray(_list_pdf())
    how = draw(st.sampled_from(["truncate", "overwrite", "splice", "header_on_noise"]))
    if how == "truncate":
        return bytes(blob[: draw(st.integers(0, len(blob) - 1))])
    if how == "overwrite":
        for _ in range(draw(st.integers(1, 20))):
            at = draw(st.integers(0, len(blob) - 1))
            blob[at] = draw(st.integers(0, 255))
        return bytes(blob)
    if how == "splice":
        at = draw(st.integers(0, len(blob)))
        return bytes(blob[:at]) + draw(st.binary(min_size=1, max_size=200)) + bytes(blob[at:])
    return b"%PDF-1.7\n" + draw(st.binary(max_size=2000))


@FUZZ
@given(blob=damaged_pdfs())
def test_damaged_pdf_lists_give_a_report_and_store_nothing_on_problems(blob):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "一覧.pdf"
        path.write_bytes(blob)
        READS["pdf"] += 1
        _check(importer.validate(path, table=1), tmp)


FRAGMENTS = st.sampled_from(
    [
        "<h2>1 概要</h2>",
        "<h2>再発防止策</h2>",
        "<h3>経緯</h3>",
        "<dt>概要</dt><dd>",
        "</dd>",
        "<p>",
        "</p>",
        "<ul><li>",
        "</li>",
        "</ul>",
        "<script>alert('再発防止策')</script>",
        "<style>p{}</style>",
        '<div style="display:none">隠した対策を行う。</div>',
        "<nav>ホーム</nav>",
        "<footer>著作権</footer>",
        "<img src=x onerror=alert(1)>",
        "<a href='javascript:alert(1)'>",
        "</a>",
        "<![CDATA[x]]>",
        "<!--",
        "-->",
        "<div",
        "</div>",
        "&lt;b&gt;",
        "&#0;",
        "&#x110000;",
        "１．概要",
        "（１）",
        "令和6年3月5日",
        "書類を紛失した。",
        "二人で確認する。",
        "深くお詫び申し上げます。",
        "\x00",
        "\n",
    ]
)


@FUZZ
@given(parts=st.lists(FRAGMENTS | st.text(max_size=20), max_size=40), name=st.sampled_from(["p.html", "p.htm"]))
def test_malformed_press_pages_give_a_report_and_store_nothing_on_problems(parts, name):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text("".join(parts), encoding="utf-8", errors="surrogatepass")
        READS["html"] += 1
        release = importer.parse_press(path, name)
        if isinstance(release, str):
            assert PROBLEM.match(release), release
            return
        _check(importer.press_report(release, body="A市", date="2024-04-01"), tmp)
