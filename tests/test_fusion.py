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


def test_each_ranking_contributes_its_weight_over_k_plus_rank():
    fused = dict(reciprocal_rank_fusion([["x", "y"], ["y"]], weights=[1.0, 2.0]))
    assert fused["x"] == pytest.approx(1 / (RRF_K + 1))
    assert fused["y"] == pytest.approx(1 / (RRF_K + 2) + 2 / (RRF_K + 1))


def test_the_heavier_ranking_settles_a_tie_of_ranks():
    assert [i for i, _ in reciprocal_rank_fusion([["a", "b"], ["b", "a"]], weights=[1.0, 1.5])] == ["b", "a"]


def test_equal_weights_are_the_unweighted_fusion():
    rankings = [["a", "b", "c"], ["c", "a"]]
    assert reciprocal_rank_fusion(rankings, weights=[1.0, 1.0]) == reciprocal_rank_fusion(rankings)


@pytest.mark.parametrize("weights", [[1.0], [1.0, 1.0, 1.0], [1.0, -0.5]])
def test_weights_must_be_one_per_ranking_and_not_negative(weights):
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"], ["b"]], weights=weights)
