"""Isolation forest scores of a small cross-section, vectorised over trees and nodes.

The algorithm of Liu, Ting & Zhou (2008) as scikit-learn's ``IsolationForest`` implements it
(``max_features=1``, no bootstrap, depth limit ``ceil(log2(psi))``, ``score_samples``), fitted
on ``x`` and applied to ``x``: the snapshot's per-day anomaly score. All trees grow together,
one depth level per NumPy pass, so a day costs a few milliseconds instead of one Python object
per tree and node; results are deterministic per ``(x.shape, n_trees, seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Euler-Mascheroni constant (the harmonic-number approximation of the average path length).
EULER_GAMMA = 0.5772156649015329
#: Sub-sample size of each tree (``max_samples="auto"`` in scikit-learn).
MAX_SAMPLES = 256


def average_path_length(n: np.ndarray | int) -> np.ndarray:
    """``c(n)``: the average path length of an unsuccessful search in a binary search tree of
    ``n`` points (0 for n <= 1, 1 for n == 2), which completes a path cut at a leaf."""
    n = np.asarray(n, dtype=np.float64)
    out = np.where(n == 2, 1.0, 0.0)
    big = n > 2
    nb = np.where(big, n, 3.0)
    return np.where(big, 2.0 * (np.log(nb - 1.0) + EULER_GAMMA) - 2.0 * (nb - 1.0) / nb, out)


@dataclass(frozen=True)
class _Forest:
    """Trees in heap layout (children of node k are 2k+1 and 2k+2), one row per tree.

    ``feature``: split feature of each node (-1 not reached, -2 leaf); ``threshold``: its
    threshold; ``leaf_size``: training rows that ended in each node; ``depth_limit``."""

    feature: np.ndarray
    threshold: np.ndarray
    leaf_size: np.ndarray
    depth_limit: int


def isolation_scores(
    x: np.ndarray, n_trees: int, seed: int, max_samples: int = MAX_SAMPLES
) -> np.ndarray:
    """``-2 ** (-E[h(x)] / c(psi))`` per row of ``x`` (n_rows, n_features), finite values; in
    [-1, 0], lower = more anomalous (scikit-learn's ``score_samples`` convention).

    Each of ``n_trees`` trees draws ``psi = min(max_samples, n_rows)`` rows without replacement
    and splits every node of at least two rows on one feature drawn among those not constant in
    the node, at a threshold uniform between the node's minimum and maximum (``<=`` goes left),
    until depth ``ceil(log2(psi))``. ``h(x)`` is the depth of the leaf a row reaches plus
    ``c(size of that leaf)``.
    """
    assert x.ndim == 2 and x.shape[0] >= 1, "x must be (n_rows >= 1, n_features)"
    assert n_trees >= 1, "n_trees must be >= 1"
    assert np.isfinite(x).all(), "x must be finite (impute missing values first)"
    psi = min(max_samples, x.shape[0])
    forest = _grow(x, n_trees, psi, np.random.default_rng(seed))
    path = _path_lengths(forest, x)
    norm = float(average_path_length(psi))
    # a single row cannot be isolated: ratio 1 (score -0.5), as scikit-learn has it
    ratio = path.mean(axis=0) / norm if norm > 0 else np.ones(x.shape[0])
    return -(2.0**-ratio)


def _grow(x: np.ndarray, n_trees: int, psi: int, rng: np.random.Generator) -> _Forest:
    """Grow every tree on its sub-sample, one depth level (all trees, all nodes) per pass."""
    n = x.shape[0]
    depth_limit = max(int(np.ceil(np.log2(max(psi, 2)))), 1)
    n_nodes = 2 ** (depth_limit + 1) - 1
    samples = np.argsort(rng.random((n_trees, n)), axis=1)[:, :psi]
    feature = np.full(n_trees * n_nodes, -1, dtype=np.int64)
    threshold = np.zeros(n_trees * n_nodes)
    values = x[samples.ravel()]  # (n_trees * psi, n_features)
    base = np.repeat(np.arange(n_trees), psi) * n_nodes
    node = np.zeros(n_trees * psi, dtype=np.int64)
    for _ in range(depth_limit):
        key = base + node
        active = feature[key] == -1
        if not active.any():
            break
        order = np.flatnonzero(active)
        order = order[np.argsort(key[order], kind="stable")]
        k_sorted = key[order]
        starts = np.flatnonzero(np.r_[True, k_sorted[1:] != k_sorted[:-1]])
        groups = k_sorted[starts]
        f, thr, split = _draw_splits(
            np.minimum.reduceat(values[order], starts, axis=0),
            np.maximum.reduceat(values[order], starts, axis=0),
            np.diff(np.r_[starts, k_sorted.size]),
            rng,
        )
        feature[groups] = np.where(split, f, -2)
        threshold[groups] = np.where(split, thr, 0.0)
        # training rows of the nodes just split move to a child
        f_row = feature[key]
        go_right = values[np.arange(node.size), np.maximum(f_row, 0)] > threshold[key]
        node = np.where(active & (f_row >= 0), 2 * node + 1 + go_right, node)
    leaf_size = np.bincount(base + node, minlength=n_trees * n_nodes)
    shape = (n_trees, n_nodes)
    return _Forest(
        feature.reshape(shape), threshold.reshape(shape), leaf_size.reshape(shape), depth_limit
    )


def _draw_splits(
    lo: np.ndarray, hi: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per node (rows of the per-feature ``lo``/``hi`` and its row ``counts``): a feature drawn
    among the non-constant ones, a threshold uniform in [lo, hi), and whether it splits."""
    varies = hi > lo
    n_varies = varies.sum(axis=1)
    pick = np.minimum((rng.random(counts.size) * n_varies).astype(np.int64), n_varies - 1)
    f = np.argmax(np.cumsum(varies, axis=1) > pick[:, None], axis=1)
    rows = np.arange(counts.size)
    lo_f, hi_f = lo[rows, f], hi[rows, f]
    thr = lo_f + rng.random(counts.size) * (hi_f - lo_f)
    thr = np.where(thr >= hi_f, lo_f, thr)  # rounding up to the maximum would empty the right
    return f, thr, (counts > 1) & (n_varies > 0)


def _path_lengths(forest: _Forest, x: np.ndarray) -> np.ndarray:
    """(n_trees, n_rows): depth of the leaf each row reaches plus ``c(leaf size)``."""
    n_trees, n = forest.feature.shape[0], x.shape[0]
    trees = np.arange(n_trees)[:, None]
    cur = np.zeros((n_trees, n), dtype=np.int64)
    depth = np.zeros((n_trees, n))
    for _ in range(forest.depth_limit):
        f = forest.feature[trees, cur]
        internal = f >= 0
        if not internal.any():
            break
        xv = x[np.arange(n)[None, :], np.maximum(f, 0)]
        child = 2 * cur + 1 + (xv > forest.threshold[trees, cur])
        cur = np.where(internal, child, cur)
        depth += internal
    return depth + average_path_length(forest.leaf_size[trees, cur])
