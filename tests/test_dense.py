import numpy as np

from index.dense import DenseIndex, normalize_rows


def _brute_force(vectors, query, k, allowed=None):
    scores = normalize_rows(vectors) @ normalize_rows(query.reshape(1, -1))[0]
    rows = np.arange(len(vectors)) if allowed is None else np.array(sorted(allowed))
    order = rows[np.argsort(-scores[rows], kind="stable")][:k]
    return order, scores[order]


def test_top_k_matches_numpy_brute_force():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(500, 32)).astype(np.float32)
    index = DenseIndex.build(vectors)
    for q in rng.normal(size=(20, 32)).astype(np.float32):
        rows, scores = index.search(q, 10)
        want_rows, want_scores = _brute_force(vectors, q, 10)
        assert list(rows) == list(want_rows)
        np.testing.assert_allclose(scores, want_scores, rtol=1e-5, atol=1e-5)


def test_filtered_search_returns_k_results_when_k_rows_are_allowed():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    index = DenseIndex.build(vectors)
    allowed = list(range(0, 300, 29))  # 11 rows, most of them far from any given query
    q = vectors[5]
    rows, _ = index.search(q, 10, allowed)
    assert len(rows) == 10
    assert set(rows) <= set(allowed)
    assert list(rows) == list(_brute_force(vectors, q, 10, allowed)[0])


def test_filter_allowing_fewer_rows_than_k_returns_just_those():
    index = DenseIndex.build(np.eye(4, dtype=np.float32))
    rows, _ = index.search(np.ones(4, dtype=np.float32), 10, [2, 3])
    assert sorted(rows) == [2, 3]


def test_saved_index_loads_with_the_same_results(tmp_path):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    DenseIndex.build(vectors).save(tmp_path / "d.faiss")
    loaded = DenseIndex.load(tmp_path / "d.faiss")
    rows, _ = loaded.search(vectors[4], 3)
    assert rows[0] == 4
    np.testing.assert_allclose(loaded.similarity(vectors[4], [4]), [1.0], rtol=1e-5)
