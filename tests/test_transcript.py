"""The chat exported for the file: questions, answers with their cited cases, the draft."""

import datetime as dt
import io

import docx
import pytest
from conftest import SEED, FakeEmbedder

from assistant.answer import answer
from assistant.conversation import interpret, respond
from assistant.documents import to_docx, to_markdown
from assistant.transcript import conversation_document
from data import read_table
from index.filters import Filters
from index.storage import build_searcher
from tests.docx_checks import assert_filed_word

WHEN = dt.datetime(2026, 11, 26, 9, 30)


@pytest.fixture(scope="module")
def turns():
    searcher = build_searcher(read_table(SEED).incidents, FakeEmbedder())
    first = interpret("封筒に別の人の受給者証を入れて送ってしまった", None, top_k=3, today=WHEN.date())
    digest = interpret("防止策だけまとめて", first, top_k=3, today=WHEN.date())
    return [
        (first.question, respond(first, Filters(), searcher=searcher)),
        ("防止策だけまとめて", respond(digest, Filters(), searcher=searcher)),
        ("予診票をなくした", answer("予診票をなくした", searcher=searcher, top_k=2)),
    ]


def test_markdown_holds_every_question_and_the_cited_cases_with_sources(turns):
    text = to_markdown(conversation_document(turns, when=WHEN))
    assert "2026-11-26 09:30" in text
    for number, (question, result) in enumerate(turns, start=1):
        assert f"質問{number}" in text and question in text
        for hit in result.hits if not result.measures else ():
            assert f"事案 {hit.incident.id}" in text
            year = f"令和{hit.incident.fiscal_year - 2018}年度"
            assert f"〔出典: 千葉市の公表事案（令和4〜6年度）・{year}・事案{hit.incident.id}〕" in text
    assert "〔事案" in text  # the gathered measures keep their citations
    assert "seed" not in text and "data/tables" not in text  # never a file path


def test_a_blank_question_is_left_out_and_the_others_numbered_without_a_gap(turns):
    (first, one), (_, two) = turns[0], turns[2]
    text = to_markdown(conversation_document([(first, one), ("  　\n", two), ("予診票をなくした", two)], when=WHEN))
    assert "## 質問1" in text and "## 質問2\n\n予診票をなくした" in text
    assert "質問3" not in text


def test_docx_opens_and_holds_the_same_questions(turns):
    data = to_docx(conversation_document(turns, when=WHEN))
    assert_filed_word(data)
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "質問1" in text and "予診票をなくした" in text
    assert "事案" in text


def test_an_empty_chat_still_exports():
    assert "まだ質問はありません" in to_markdown(conversation_document([], when=WHEN))


def test_a_draft_made_on_the_draft_page_is_appended(turns):
    from assistant.drafting import gather_measures, new_draft

    searcher = build_searcher(read_table(SEED).incidents, FakeEmbedder())
    draft = new_draft(gather_measures("封筒に別の人の受給者証を入れて送ってしまった", searcher))
    text = to_markdown(conversation_document(turns, draft, when=WHEN))
    assert "再発防止策の下書き" in text and "再発防止策（案）" in text
