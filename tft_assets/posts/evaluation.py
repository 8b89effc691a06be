"""Evaluation of ticker extraction against hand labels."""

from __future__ import annotations

import polars as pl

from tft_assets.posts.scoring import ScoringConfig
from tft_assets.posts.tickers import extract_tickers


def ticker_scores(predicted: list[list[str]], truth: list[list[str]]) -> dict[str, float | int]:
    """Micro precision/recall/F1 over (text, symbol) pairs; ``n`` = number of texts."""
    if len(predicted) != len(truth):
        raise ValueError("predicted and truth differ in length")
    tp = fp = fn = 0
    for p, t in zip(predicted, truth, strict=True):
        ps, ts = set(p), set(t)
        tp += len(ps & ts)
        fp += len(ps - ts)
        fn += len(ts - ps)
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
