"""Whatever a person types, the answer is a clear reply, never an exception or a traceback."""

import os
import subprocess
import sys

import pytest
from conftest import REPO, SEED

from assistant.answer import MAX_QUESTION_CHARS, answer
from data import read_table
from index.filters import Filters
from index.storage import build_searcher

ASK_FOR_A_QUESTION = "質問を入力してください"
FOUND = "似ている前例を"


@pytest.fixture(scope="module")
def searcher():
    from conftest import FakeEmbedder

    return build_searcher(read_table(SEED).incidents, FakeEmbedder())


@pytest.mark.parametrize("question", ["", "   ", "\n\t\r ", "\u3000\u3000", "\x00\x01\x7f", "\u200b\u202e", "\ud800"])
def test_an_empty_or_invisible_question_is_refused_with_a_prompt_and_an_example(searcher, question):
    result = answer(question, searcher=searcher)
    assert result.hits == ()
    assert result.summary.startswith(ASK_FOR_A_QUESTION) and "例" in result.summary


def test_a_question_of_100000_characters_is_searched_by_its_head_with_a_notice(searcher):
    question = "封筒に別の人の受給者証を入れて送ってしまった。" * 4348  # just over 100,000 characters
    assert len(question) > 100_000
    result = answer(question, searcher=searcher)
    assert len(result.question) == MAX_QUESTION_CHARS
    assert question.startswith(result.question)
    assert len(result.notices) == 1
    assert f"{MAX_QUESTION_CHARS:,}文字" in result.notices[0] and f"{len(question):,}文字" in result.notices[0]
    assert result.summary.startswith(FOUND) and len(result.hits) == 5


def test_a_question_just_at_the_limit_is_searched_whole_without_a_notice(searcher):
    result = answer("誤" * MAX_QUESTION_CHARS, searcher=searcher)
    assert len(result.question) == MAX_QUESTION_CHARS and result.notices == ()


@pytest.mark.parametrize(
    "question",
    [
        "🙂🙂🙂",
        "封筒を間違えた😱🙏",
        "I put another person's benefit certificate in the envelope and mailed it",
        "'; DROP TABLE incidents; --",
        "1 OR 1=1; SELECT * FROM incidents WHERE id='1'",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)> [link](javascript:alert(1))",
        "{{7*7}} ${7*7} %s %n \\x00",
        "ＡＢＣ１２３　全角だけの質問",
        "ﾌｳﾄｳ ｦ ﾏﾁｶﾞｴﾀ",
        "\u202e逆向きの文字\u202c を含む質問",
    ],
)
def test_odd_questions_are_answered_with_cases_and_kept_as_typed(searcher, question):
    result = answer(question, searcher=searcher)
    assert result.summary.startswith(FOUND)
    assert len(result.hits) == 5
    assert [h.rank for h in result.hits] == [1, 2, 3, 4, 5]
    # The question is searched as text, never interpreted; only invisible controls are dropped.
    assert result.question == "".join(ch for ch in question if ch not in "\u202e\u202c").strip()


def test_a_hostile_question_does_not_change_later_answers(searcher):
    before = answer("予診票をなくした", searcher=searcher)
    answer("'; DROP TABLE incidents; --", searcher=searcher)
    answer("<script>alert(1)</script>", searcher=searcher)
    after = answer("予診票をなくした", searcher=searcher)
    assert [h.incident.id for h in after.hits] == [h.incident.id for h in before.hits]


def test_a_filter_that_leaves_nothing_says_so_and_suggests_widening_it(searcher):
    result = answer("誤送付", Filters(categories=frozenset({"存在しない類型"})), searcher=searcher)
    assert result.hits == ()
    assert result.summary.startswith("指定した条件に合う前例は見つかりませんでした")


def test_asking_for_more_cases_than_exist_returns_them_all(searcher):
    assert len(answer("誤送付", searcher=searcher, top_k=1000).hits) == 19


@pytest.mark.real_model
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("", ASK_FOR_A_QUESTION),
        # Under the 128 KiB limit of one command-line argument: 100,000 characters of mixed junk.
        (
            ("'; DROP TABLE x; -- <script>alert(1)</script> 🙂 " * 2200)[:100_000],
            f"先頭の{MAX_QUESTION_CHARS:,}文字で検索しました",
        ),
    ],
    ids=["empty", "100k-characters-of-sql-html-and-emoji"],
)
def test_the_cli_answers_odd_questions_without_a_traceback(question, expected, real_model_dir, tmp_path_factory):
    env = {
        **os.environ,
        "ZENREI_HOME": str(tmp_path_factory.getbasetemp() / "questions-home"),  # shared: one index build
        "ZENREI_DATA": str(SEED),
        "ZENREI_MODEL": str(real_model_dir),
        "HF_HUB_OFFLINE": "1",
    }
    run = subprocess.run(
        [sys.executable, "-m", "assistant", "search", question, "--top", "3"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode in (0, 2), run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    shown = run.stdout if run.returncode == 0 else run.stderr
    assert expected in shown
