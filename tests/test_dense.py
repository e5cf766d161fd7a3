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


# --- Approximate search above the size threshold -------------------------------------------

from index.dense import EXACT_LIMIT, FLAT, IVF, choose_kind  # noqa: E402


def _clustered(n, dim=64, clusters=100, seed=11):
    """Random vectors around random centres: like sentence embeddings, they have neighbourhoods."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    picks = rng.integers(0, clusters, size=n)
    return (centres[picks] + 0.7 * rng.normal(size=(n, dim))).astype(np.float32), rng


def test_the_size_threshold_chooses_exact_search_up_to_it_and_ivf_above():
    assert choose_kind(EXACT_LIMIT) == FLAT
    assert choose_kind(EXACT_LIMIT + 1) == IVF
    vectors, _ = _clustered(3000)
    assert DenseIndex.build(vectors, exact_limit=2999).kind == IVF
    assert DenseIndex.build(vectors, exact_limit=3000).kind == FLAT


def test_ivf_top_10_recalls_at_least_95_percent_of_exact_search_on_20k_vectors():
    vectors, rng = _clustered(20_000)
    index = DenseIndex.build(vectors, kind=IVF)
    queries = vectors[rng.choice(len(vectors), 50, replace=False)] + 0.3 * rng.normal(size=(50, 64)).astype(np.float32)
    recall = []
    for q in queries:
        rows, scores = index.search(q, 10)
        want, _ = _brute_force(vectors, q, 10)
        recall.append(len(set(rows) & set(want)) / 10)
        np.testing.assert_allclose(scores, index.similarity(q, rows), rtol=1e-5, atol=1e-5)
    assert np.mean(recall) >= 0.95


def test_filtered_ivf_search_returns_k_results_when_few_rows_are_allowed():
    vectors, _ = _clustered(20_000)
    index = DenseIndex.build(vectors, kind=IVF)
    allowed = list(range(0, 20_000, 1999))  # 11 rows scattered over the clusters
    rows, _ = index.search(vectors[5], 10, allowed)
    assert list(rows) == list(_brute_force(vectors, vectors[5], 10, allowed)[0])


def test_filtered_ivf_search_returns_k_results_when_probing_finds_too_few(monkeypatch):
    import index.dense as dense

    vectors, _ = _clustered(20_000)
    index = DenseIndex.build(vectors, kind=IVF, nprobe=1)
    # Allowed rows all far from the query, and too many for the exact shortcut: the probed
    # cluster holds none of them, so the selector alone would return nothing.
    q = vectors[0]
    allowed = sorted(_brute_force(vectors, q, 20_000)[0][-300:].tolist())
    monkeypatch.setattr(dense, "EXACT_FILTER_LIMIT", 10)
    rows, _ = index.search(q, 10, allowed)
    assert list(rows) == list(_brute_force(vectors, q, 10, allowed)[0])


def test_filtered_flat_search_above_the_exact_filter_limit_returns_k_results(monkeypatch):
    import index.dense as dense

    vectors, _ = _clustered(5000)
    index = DenseIndex.build(vectors, kind=FLAT)
    monkeypatch.setattr(dense, "EXACT_FILTER_LIMIT", 10)
    allowed = list(range(3, 5000, 7))
    rows, _ = index.search(vectors[3], 10, allowed)
    assert list(rows) == list(_brute_force(vectors, vectors[3], 10, allowed)[0])


def test_each_index_kind_saves_and_loads_with_the_same_results(tmp_path):
    vectors, rng = _clustered(6000)
    for kind in (FLAT, IVF):
        index = DenseIndex.build(vectors, kind=kind)
        index.save(tmp_path / f"{kind}.faiss")
        loaded = DenseIndex.load(tmp_path / f"{kind}.faiss")
        assert (loaded.kind, loaded.size, loaded.nprobe) == (kind, 6000, index.nprobe)
        for q in rng.normal(size=(5, 64)).astype(np.float32):
            assert list(loaded.search(q, 10)[0]) == list(index.search(q, 10)[0])
            assert list(loaded.search(q, 10, range(0, 6000, 5))[0]) == list(index.search(q, 10, range(0, 6000, 5))[0])
        np.testing.assert_allclose(loaded.similarity(vectors[7], [7, 8]), index.similarity(vectors[7], [7, 8]))
        np.testing.assert_allclose(loaded.similarity(vectors[7], [7]), [1.0], rtol=1e-5)


def test_a_searcher_from_precomputed_vectors_ranks_like_one_that_embeds_them(fake_embedder):
    from conftest import SEED

    from data import read_table
    from index.storage import DESCRIPTION_PROMPT, build_searcher, searcher_from_vectors

    incidents = read_table(SEED).incidents
    descriptions = fake_embedder.embed([inc.description for inc in incidents], DESCRIPTION_PROMPT)
    built = searcher_from_vectors(incidents, fake_embedder, descriptions)
    embedded = build_searcher(incidents, fake_embedder)
    for question in ("封筒に別人の書類を入れて送付した", "メールの誤送信"):
        assert [h.incident.id for h in built.search(question, 5)] == [
            h.incident.id for h in embedded.search(question, 5)
        ]


def test_vectors_returns_every_row_in_order_for_each_index_type():
    rng = np.random.default_rng(9)
    data = normalize_rows(rng.normal(size=(300, 16)).astype(np.float32))
    for kind in ("flat", "ivf"):
        index = DenseIndex.build(data, kind=kind)
        np.testing.assert_allclose(index.vectors(), data, rtol=1e-5, atol=1e-6)
    assert DenseIndex.build(np.zeros((0, 16), dtype=np.float32)).vectors().shape == (0, 16)
