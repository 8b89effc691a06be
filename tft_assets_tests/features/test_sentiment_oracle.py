"""Sentiment features against a direct pandas implementation of the documented formulas."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tft_assets.calendar import trading_days
from tft_assets.features import FeatureConfig, assign_sessions, compute_sentiment_features
from tft_assets_tests.features.synth import make_posts

START, END = dt.date(2021, 1, 4), dt.date(2021, 4, 30)
TICKERS = ["T000", "T001", "T002", "T003"]


def _reference(posts, sessions, cfg: FeatureConfig):
    import pandas as pd

    p = posts.filter(posts["is_quality"]).with_columns(
        assign_sessions(posts.filter(posts["is_quality"])["created_utc"]).alias("session")
    )
    p = p.explode(["tickers", "ticker_sentiment"]).to_pandas()
    p["w"] = p["quality_score"] / 100.0
    p["s"] = p["ticker_sentiment"].fillna(p["sentiment"])
    p["ws"] = p["w"] * p["s"]
    out = {}
    idx = pd.Index(sessions)
    for t in TICKERS:
        g = p[p["tickers"] == t]
        daily = g.groupby("session").agg(n=("post_id", "size"), sw=("ws", "sum"), w=("w", "sum"),
                                         xp=("s", lambda x: (x > cfg.sentiment_extreme).sum()), xn=("s", lambda x: (x < -cfg.sentiment_extreme).sum()))  # fmt: skip
        d = daily.reindex(idx).fillna({"n": 0, "sw": 0.0, "w": 0.0, "xp": 0, "xn": 0})
        f = pd.DataFrame(index=idx)
        f["mention_count"] = d["n"]
        prev = d["n"].shift(1)
        m, sd = prev.rolling(20).mean(), prev.rolling(20).std(ddof=1)
        f["mention_zscore"] = (d["n"] - m) / np.maximum(sd, cfg.mention_z_min_std)
        daily_mean = (d["sw"] / d["w"]).where(d["n"] > 0)
        f["sentiment_volatility"] = daily_mean.rolling(7, min_periods=2).std(ddof=1)
        f["sentiment_mean"] = daily_mean.ffill(limit=cfg.ffill_limit_sessions)
        for k, name in ((3, "sentiment_trend_3d"), (7, "sentiment_trend_7d")):
            pooled = (d["sw"].rolling(k).sum() / d["w"].rolling(k).sum()).where(
                d["n"].rolling(k).sum() > 0
            )
            f[name] = pooled.ffill(limit=cfg.ffill_limit_sessions)
        f["sentiment_momentum"] = f["sentiment_trend_3d"] - f["sentiment_trend_3d"].shift(3)
        f["sentiment_extreme_pos"], f["sentiment_extreme_neg"] = d["xp"], d["xn"]
        out[t] = f
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_sentiment_features_match_the_documented_formulas(seed: int) -> None:
    cfg = FeatureConfig()
    posts = make_posts(TICKERS, START, END, per_day=6, seed=seed)
    sessions = trading_days(START, END)
    ours = compute_sentiment_features(posts, sessions, cfg, tickers=TICKERS)
    ref = _reference(posts, sessions, cfg)
    for t in TICKERS:
        mine = ours.filter(ours["ticker"] == t).sort("date")
        for col, values in ref[t].items():
            got = mine[col].to_numpy().astype(float)
            exp = values.to_numpy().astype(float)
            np.testing.assert_array_equal(
                np.isnan(got), np.isnan(exp), err_msg=f"{t} {col} null pattern"
            )
            np.testing.assert_allclose(
                got[~np.isnan(got)], exp[~np.isnan(exp)], atol=1e-9, err_msg=f"{t} {col}"
            )
