"""Ranking metrics against hand-computed values, and the query-file reader."""

import json
import math

import pytest

from assistant.evaluation import load_queries, ndcg_at, recall_at, reciprocal_rank
from data.records import TableError


def test_perfect_ranking_has_ndcg_one():
    assert ndcg_at(["a", "b", "c"], {"a": 2, "b": 1}, 5) == pytest.approx(1.0)


def test_ndcg_matches_a_hand_computed_value():
    # ranked b (grade 1) then a (grade 2); ideal a then b.
    got = ndcg_at(["b", "a"], {"a": 2, "b": 1}, 5)
    want = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert got == pytest.approx(want)


def test_ndcg_only_counts_the_first_k():
    assert ndcg_at(["x", "y", "a"], {"a": 2}, 2) == 0.0


def test_recall_counts_every_relevant_grade():
    assert recall_at(["a", "x", "b"], {"a": 2, "b": 1, "c": 1}, 10) == pytest.approx(2 / 3)


def test_mrr_uses_the_first_grade_two_hit():
    assert reciprocal_rank(["b", "x", "a"], {"a": 2, "b": 1}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "b"], {"b": 1}) == pytest.approx(1 / 2)
    assert reciprocal_rank(["x"], {"a": 2}) == 0.0


def test_query_file_lines_are_read_with_grades_and_no_precedent_flag(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(
        json.dumps({"qid": "q1", "query": "誤送付", "relevant": {"1": 2, "3": 1}}, ensure_ascii=False)
        + "\n\n"
        + json.dumps({"qid": "q2", "query": "宇宙", "relevant": {}, "no_precedent": True}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    first, second = load_queries(path)
    assert first.relevant == {"1": 2, "3": 1} and not first.no_precedent
    assert second.no_precedent and second.relevant == {}


def test_a_broken_query_line_names_file_and_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"qid": "q1", "query": "a", "relevant": {}}\n{not json\n', encoding="utf-8")
    with pytest.raises(TableError, match=r"q\.jsonl:2"):
        load_queries(path)


def test_feedback_clicks_form_an_eval_file_merged_by_question(tmp_path):
    from assistant.feedback import record_feedback

    record_feedback(tmp_path, "受給者証の誤送付", "12", similar=True)
    record_feedback(tmp_path, "受給者証の誤送付", "4", similar=False)
    path = record_feedback(tmp_path, "予診票の紛失", "13", similar=True)
    first, second = load_queries(path)
    assert first.text == "受給者証の誤送付" and first.relevant == {"12": 2, "4": 0}
    assert second.relevant == {"13": 2}
