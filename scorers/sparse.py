"""Sparse matrices of the graph scorers (``pagerank``, ``tweepcred``, ``trustrank``,
``sybilrank``) and the edge lookups of ``klout`` and ``sybilrank``: matrices built from a
world's follow edges and multiplied by a vector in threads, and binary searches in sorted edge
keys, also in threads.

A product over 100 million edges takes about a second and is bound by random reads of the
vector, not by arithmetic; scipy runs it in C without holding the GIL, so blocks of the matrix
can be multiplied at the same time in threads. :func:`parallel_product` does that for large
matrices (measured in ``docs/performance.md``). For a CSR matrix every row's sum is computed
as a single product would (results are bit-for-bit identical); for a CSC matrix (the transposed
views :func:`edge_matrix` returns) the blocks are column ranges whose partial results are
added, so the result can differ from a single product in the last bits — always the same on
every machine, because the number of blocks is fixed (:data:`PRODUCT_BLOCKS`), not taken from
the machine's cores.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

__all__ = [
    "edge_matrix",
    "parallel_product",
    "contains_sorted",
    "reciprocal",
    "PARALLEL_EDGES",
    "PRODUCT_BLOCKS",
]

#: Matrices with fewer stored values are multiplied in one call: below about 4 million edges a
#: product takes a few milliseconds and threads would cost more than they save.
PARALLEL_EDGES = 1 << 22

#: Blocks a large product is split into, one thread each (at most one per available core).
#: Fixed, so that a CSC product gives the same bits on every machine; 4 covers the 2-core
#: machine the benchmarks run on and a 4-core laptop.
PRODUCT_BLOCKS = 4


def edge_matrix(
    rows: np.ndarray,
    cols: np.ndarray,
    data: np.ndarray,
    n: int,
    *,
    rows_are_sources: bool,
    ordered: bool | None = None,
    source_counts: np.ndarray | None = None,
) -> sp.spmatrix:
    """The ``n x n`` sparse matrix with ``data`` at ``(rows, cols)``, built from follow edges
    ``src -> dst`` given as ``rows, cols = (src, dst)`` (``rows_are_sources``) or
    ``(dst, src)``. The edges must be distinct.

    When the edges are sorted by ``(src, dst)`` (as every world stores them) the matrix is
    assembled directly from the sorted order — the CSR of ``src -> dst``, or its transpose, a
    CSC view of the same arrays — instead of scipy's COO conversion, which costs a third of a
    minute and two copies at 100 million edges. Products with it add the same terms in the
    same order as the CSR scipy would build, so results are identical. ``ordered`` says
    whether the edges are sorted so (a world's :attr:`~auditkit.World.follows_in_order`);
    ``None`` checks. ``source_counts``: the edges of each source (``np.bincount(src,
    minlength=n)``), when the caller has counted them already.
    """
    src, dst = (rows, cols) if rows_are_sources else (cols, rows)
    src = np.asarray(src)
    dst = np.asarray(dst)
    if ordered is None:
        key = src.astype(np.int64) * n + dst
        ordered = bool((key[1:] > key[:-1]).all())  # true for fewer than two edges
    if not ordered:
        return sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    indptr = np.zeros(n + 1, dtype=np.int64 if len(src) >= 2**31 else np.int32)
    counts = np.bincount(src, minlength=n) if source_counts is None else source_counts
    np.cumsum(counts, out=indptr[1:])
    by_source = sp.csr_matrix((data, dst.astype(np.int32, copy=False), indptr), shape=(n, n))
    return by_source if rows_are_sources else by_source.T


def reciprocal(values: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    """``1 / v`` where ``v > 0``, else 0 (an account with no edges), computed in float64 and
    returned in ``dtype``: the per-account factor of a row-normalised matrix."""
    out = np.zeros(len(values))
    np.divide(1.0, values, out=out, where=values > 0)
    return out.astype(dtype, copy=False)


def parallel_product(matrix: sp.spmatrix) -> Callable[[np.ndarray], np.ndarray]:
    """A function computing ``matrix @ x``: the plain product below :data:`PARALLEL_EDGES`
    stored values (or for a format other than CSR and CSC), else :data:`PRODUCT_BLOCKS`
    blocks of equal numbers of values (row ranges of a CSR matrix, column ranges of a CSC one)
    multiplied in threads. The blocks share the matrix's arrays (no copy but their ``indptr``).
    """
    if matrix.nnz < max(PARALLEL_EDGES, 1) or matrix.format not in ("csr", "csc"):
        return matrix.__matmul__
    by_rows = matrix.format == "csr"
    indptr = matrix.indptr
    lines = len(indptr) - 1  # rows of a CSR matrix, columns of a CSC one
    cuts = np.searchsorted(indptr, np.linspace(0, matrix.nnz, PRODUCT_BLOCKS + 1)[1:-1])
    bounds = np.unique(np.r_[0, np.minimum(cuts, lines), lines])
    blocks = []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        lo, hi = int(indptr[a]), int(indptr[b])
        arrays = (matrix.data[lo:hi], matrix.indices[lo:hi], indptr[a : b + 1] - lo)
        if by_rows:
            blocks.append((a, b, sp.csr_matrix(arrays, shape=(b - a, matrix.shape[1]))))
        else:
            blocks.append((a, b, sp.csc_matrix(arrays, shape=(matrix.shape[0], b - a))))
    threads = min(len(blocks), _cores())

    def product(x: np.ndarray) -> np.ndarray:
        with ThreadPoolExecutor(threads, thread_name_prefix="auditkit-product") as pool:
            if by_rows:
                out = np.empty(matrix.shape[0], np.result_type(matrix.dtype, x.dtype))

                def rows(block: tuple[int, int, sp.csr_matrix]) -> None:
                    a, b, m = block
                    out[a:b] = m @ x

                list(pool.map(rows, blocks))
                return out
            parts = list(pool.map(lambda block: block[2] @ x[block[0] : block[1]], blocks))
        total = parts[0]
        for part in parts[1:]:  # in block order: the same sum on every machine
            total += part
        return total

    return product


def contains_sorted(keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Whether each of ``queries`` is one of ``keys`` (sorted, distinct), by binary search.

    Queries in ascending order search fastest (each search starts where the last ended, and
    the keys it reads are in cache). From :data:`PARALLEL_EDGES` queries on, the queries are
    split into :data:`PRODUCT_BLOCKS` slices searched in threads (numpy searches without
    holding the GIL); the answer does not depend on the split.
    """
    out = np.zeros(len(queries), bool)
    if not len(keys) or not len(queries):
        return out

    def search(bounds: tuple[int, int]) -> None:
        a, b = bounds
        q = queries[a:b]
        at = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
        out[a:b] = keys[at] == q

    if len(queries) < PARALLEL_EDGES:
        search((0, len(queries)))
        return out
    cuts = np.linspace(0, len(queries), PRODUCT_BLOCKS + 1).astype(np.int64).tolist()
    slices = list(zip(cuts[:-1], cuts[1:], strict=True))
    with ThreadPoolExecutor(min(len(slices), _cores())) as pool:
        list(pool.map(search, slices))
    return out


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
