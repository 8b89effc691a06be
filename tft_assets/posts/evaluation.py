"""Evaluation of ticker extraction against hand labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from tft_assets.posts.scoring import ScoringConfig
from tft_assets.posts.tickers import extract_tickers

#: Bootstrap resamples of the texts behind the precision and recall intervals, and their seed.
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 0


def ticker_scores(predicted: list[list[str]], truth: list[list[str]]) -> dict[str, Any]:
    """Micro precision/recall/F1 over (text, symbol) pairs; ``n`` = number of texts;
    ``precision_ci95`` / ``recall_ci95``: 95 % percentile intervals from a seeded bootstrap over
    texts (a text's symbols stay together, so texts with many symbols weigh as they do)."""
    if len(predicted) != len(truth):
        raise ValueError("predicted and truth differ in length")
    pairs = [(set(p), set(t)) for p, t in zip(predicted, truth, strict=True)]
    counts = np.array(
        [(len(p & t), len(p - t), len(t - p)) for p, t in pairs], dtype=np.int64
    ).reshape(-1, 3)
    tp, fp, fn = (int(v) for v in counts.sum(axis=0))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "n": len(truth),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        **_bootstrap_intervals(counts),
    }


def _bootstrap_intervals(counts: np.ndarray) -> dict[str, list[float] | None]:
    """95 % intervals of precision and recall over texts resampled with replacement."""
    if counts.shape[0] == 0:
        return {"precision_ci95": None, "recall_ci95": None}
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    idx = rng.integers(0, counts.shape[0], size=(BOOTSTRAP_SAMPLES, counts.shape[0]))
    tp, fp, fn = (counts[:, k][idx].sum(axis=1).astype(np.float64) for k in range(3))
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 1.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 1.0)
    return {
        name: [round(float(v), 4) for v in np.percentile(x, [2.5, 97.5])]
        for name, x in (("precision_ci95", precision), ("recall_ci95", recall))
    }


def evaluate_tickers(labels: pl.DataFrame, config: ScoringConfig | None = None) -> dict:
    """Score :func:`extract_tickers` on a frame with ``text`` and ``symbols`` (space-separated)."""
    cfg = config or ScoringConfig()
    texts = labels.get_column("text").cast(pl.String).fill_null("")
    got = (
        extract_tickers(texts, cfg.universe(), cfg.focus_symbols()).get_column("tickers").to_list()
    )
    truth = [
        [
            s.strip().upper().replace("-", ".").replace("/", ".")
            for s in (x or "").split()
            if s.strip()
        ]
        for x in labels.get_column("symbols").cast(pl.String).to_list()
    ]
    return ticker_scores(got, truth)
