import pytest

from index.fusion import RRF_K, reciprocal_rank_fusion


def test_an_item_both_legs_rank_well_beats_an_item_only_one_leg_ranks_first():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]])
    assert [item for item, _ in fused] == ["b", "a", "c"]


def test_scores_are_the_sum_of_reciprocal_ranks_with_the_named_constant():
    fused = dict(reciprocal_rank_fusion([["x", "y"], ["y"]]))
    assert fused["x"] == pytest.approx(1 / (RRF_K + 1))
    assert fused["y"] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))


def test_items_missing_from_one_ranking_are_still_returned():
    fused = reciprocal_rank_fusion([["a"], ["b"]])
    assert {item for item, _ in fused} == {"a", "b"}


def test_ties_keep_first_seen_order_so_results_are_deterministic():
    assert [i for i, _ in reciprocal_rank_fusion([["a", "b"], ["b", "a"]])] == ["a", "b"]


def test_empty_rankings_fuse_to_nothing():
    assert reciprocal_rank_fusion([[], []]) == []
