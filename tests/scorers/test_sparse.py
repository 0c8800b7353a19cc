"""The threaded sparse product of the graph scorers (auditkit.scorers.sparse)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import auditkit.scorers.sparse as sparse
from auditkit import generate_world, get_registry, run_scorer


def random_matrix(fmt: str, n: int = 3000, nnz: int = 40_000, seed: int = 0) -> sp.spmatrix:
    rng = np.random.default_rng(seed)
    m = sp.coo_matrix(
        (rng.random(nnz), (rng.integers(0, n, nnz), rng.integers(0, n, nnz))), shape=(n, n)
    )
    return m.asformat(fmt)


def test_small_matrices_are_multiplied_in_one_call():
    m = random_matrix("csr")
    assert m.nnz < sparse.PARALLEL_EDGES
    assert sparse.parallel_product(m) == m.__matmul__


def test_csr_blocks_give_the_single_product_bit_for_bit(monkeypatch):
    monkeypatch.setattr(sparse, "PARALLEL_EDGES", 0)
    m = random_matrix("csr")
    x = np.random.default_rng(1).random(m.shape[1])
    product = sparse.parallel_product(m)
    assert product != m.__matmul__
    assert np.array_equal(product(x), m @ x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_csc_blocks_add_column_ranges_in_a_fixed_order(monkeypatch, dtype):
    monkeypatch.setattr(sparse, "PARALLEL_EDGES", 0)
    m = random_matrix("csc").astype(dtype)
    x = np.random.default_rng(2).random(m.shape[1]).astype(dtype)
    got = sparse.parallel_product(m)(x)
    # an independent transcription: the dense product, and the same column split by hand
    dense = m.toarray().astype(np.float64) @ x.astype(np.float64)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, dense, rtol=1e-5 if dtype == np.float32 else 1e-12)
    cuts = np.searchsorted(m.indptr, np.linspace(0, m.nnz, sparse.PRODUCT_BLOCKS + 1)[1:-1])
    bounds = [0, *cuts.tolist(), m.shape[1]]
    by_hand = sum(
        (m[:, a:b] @ x[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)),
        start=np.zeros(m.shape[0], dtype),
    )
    assert np.array_equal(got, by_hand)
    # the same bits again, whatever the threads' timing
    assert np.array_equal(sparse.parallel_product(m)(x), got)


def test_empty_and_tiny_matrices(monkeypatch):
    monkeypatch.setattr(sparse, "PARALLEL_EDGES", 0)
    for fmt in ("csr", "csc"):  # no stored value: no block, the plain product
        empty = sp.csr_matrix((0, 0)).asformat(fmt)
        assert sparse.parallel_product(empty)(np.zeros(0)).shape == (0,)
    for fmt in ("csr", "csc"):
        m = sp.csr_matrix(np.array([[2.0]])).asformat(fmt)
        assert sparse.parallel_product(m)(np.array([3.0])).tolist() == [6.0]


@pytest.mark.parametrize("sid", ["pagerank", "trustrank", "sybilrank"])
def test_graph_scorers_give_the_same_scores_with_threaded_products(monkeypatch, sid):
    world = generate_world(1500, seed=3)
    scorer = get_registry().scorer(sid)
    single = run_scorer(scorer, world)
    monkeypatch.setattr(sparse, "PARALLEL_EDGES", 0)
    threaded = run_scorer(get_registry().scorer(sid), world)
    np.testing.assert_allclose(threaded.to_numpy(), single.to_numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("threshold", [0, None])
def test_contains_sorted_answers_membership(monkeypatch, threshold):
    if threshold is not None:
        monkeypatch.setattr(sparse, "PARALLEL_EDGES", threshold)
    rng = np.random.default_rng(4)
    keys = np.unique(rng.integers(0, 10_000, 3_000))
    queries = rng.integers(-5, 10_010, 5_000)
    expected = np.array([q in set(keys.tolist()) for q in queries.tolist()])
    assert np.array_equal(sparse.contains_sorted(keys, queries), expected)
    assert sparse.contains_sorted(keys[:0], queries).sum() == 0
    assert len(sparse.contains_sorted(keys, queries[:0])) == 0


def test_edge_lookups_in_threads_give_the_same_sybilrank_scores(monkeypatch):
    world = generate_world(1500, seed=5)
    single = run_scorer(get_registry().scorer("sybilrank"), world)
    monkeypatch.setattr(sparse, "PARALLEL_EDGES", 0)
    threaded = run_scorer(get_registry().scorer("sybilrank"), world)
    assert np.array_equal(threaded.to_numpy(), single.to_numpy())


def test_klout_large_world_path_gives_the_same_components(monkeypatch):
    # above PARALLEL_EDGES Klout sorts its (reactor, target) pairs instead of hashing them,
    # counts days in threads and searches both follow directions at once: the same
    # components, summed in another order (so equal to rounding)
    world = generate_world(1500, seed=5)
    hashed = get_registry().scorer("klout").components(world)
    monkeypatch.setattr(sparse, "PARALLEL_EDGES", 0)
    sorted_ = get_registry().scorer("klout").components(world)
    for name in ("true_reach", "amplification", "network", "raw", "unconnected"):
        np.testing.assert_allclose(
            getattr(sorted_, name), getattr(hashed, name), rtol=1e-12, atol=1e-12, err_msg=name
        )
    assert hashed.raw.any()


@pytest.mark.parametrize("sid", ["pagerank", "trustrank", "sybilrank", "klout", "kred"])
def test_threaded_paths_score_empty_and_one_account_worlds(monkeypatch, sid):
    # the conformance suite, run with every threaded path forced on, once found an empty
    # world failing (a pool of no threads); these are its smallest worlds
    from auditkit import World

    monkeypatch.setattr(sparse, "PARALLEL_EDGES", 0)
    scorer = get_registry().scorer(sid)
    assert run_scorer(scorer, World()).empty
    one = World(accounts={"account": ["a"]})
    assert len(run_scorer(scorer, one)) == 1
