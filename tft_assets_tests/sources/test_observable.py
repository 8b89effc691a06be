"""The observable ceiling of the demo world: an exact, causal filter of the posts' true stances."""

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from tft_assets.sources.demo import oracle_p_up_from_hype
from tft_assets.sources.demo.latent import HYPE_PERSISTENCE_PHI
from tft_assets.sources.demo.observable import (
    edge_share,
    observable_frame,
    observable_p_up,
    stance_counts,
)
from tft_assets.sources.demo.post_draws import STANCE_HYPE_COEF


def _hype(n_tickers: int, n_sessions: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    s = np.empty((n_tickers, n_sessions))
    s[:, 0] = rng.standard_normal(n_tickers)
    for t in range(1, n_sessions):
        s[:, t] = HYPE_PERSISTENCE_PHI * s[:, t - 1] + math.sqrt(
            1 - HYPE_PERSISTENCE_PHI**2
        ) * rng.standard_normal(n_tickers)
    return s


def _counts(s: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    bull = rng.binomial(n, 1.0 / (1.0 + np.exp(-STANCE_HYPE_COEF * s)))
    return bull.astype(float), (n - bull).astype(float)


def test_no_post_no_information_and_a_null_world_is_a_coin() -> None:
    zeros = np.zeros((3, 40))
    p = observable_p_up(zeros, zeros, strength=1.0, horizon_days=5)
    np.testing.assert_allclose(p, 0.5, atol=1e-12)
    bull, bear = _counts(_hype(3, 40, 0), 9, 1)
    np.testing.assert_array_equal(
        observable_p_up(bull, bear, strength=0.0, horizon_days=5), np.full((3, 40), 0.5)
    )


def test_many_posts_recover_the_oracle() -> None:
    """With 400 stance-bearing posts a session the posterior is tight around the hype."""
    s = _hype(4, 120, 2)
    bull, bear = _counts(s, 400, 3)
    p = observable_p_up(bull, bear, strength=1.0, horizon_days=5)
    oracle = oracle_p_up_from_hype(s, strength=1.0, horizon_days=5)
    gap = np.abs(p - oracle)[:, 10:]
    assert gap.mean() < 0.01 and gap.max() < 0.06, (gap.mean(), gap.max())


def test_few_posts_keep_less_than_the_oracle_and_more_than_nothing() -> None:
    """Nine posts a session: the filter's direction agrees with the hype's most of the time,
    and the agreement rises with the post rate."""
    s = _hype(50, 300, 4)
    agree = []
    for n in (1, 9, 100):
        bull, bear = _counts(s, n, 5)
        p = observable_p_up(bull, bear, strength=1.0, horizon_days=5)
        agree.append(float(((p > 0.5) == (s > 0)).mean()))
    assert 0.6 < agree[0] < agree[1] < agree[2] < 1.0, agree


def test_the_filter_is_causal() -> None:
    s = _hype(2, 60, 6)
    bull, bear = _counts(s, 9, 7)
    before = observable_p_up(bull, bear, strength=1.0, horizon_days=5)
    bull[:, 30:] = 0.0
    bear[:, 30:] = 50.0
    after = observable_p_up(bull, bear, strength=1.0, horizon_days=5)
    np.testing.assert_array_equal(before[:, :30], after[:, :30])
    assert (after[:, 31:] < 0.5).all()


def _utc(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def test_counts_take_clean_stance_posts_by_primary_ticker_and_session() -> None:
    mon, tue = dt.date(2024, 3, 4), dt.date(2024, 3, 5)
    raw = pl.DataFrame(
        {
            # 15:00 UTC is before Monday's 16:00 ET close; 22:00 UTC is after it -> Tuesday
            "created_utc": [_utc(mon, 15), _utc(mon, 15), _utc(mon, 22), _utc(mon, 15),
                            _utc(mon, 15), _utc(mon, 15), _utc(mon, 15)],
            "gt_tickers": [["GME", "AMC"], ["AMC"], ["GME"], ["GME"], ["GME"], ["GME"], ["ZZZ"]],
            "gt_sentiment": [1, -1, -1, 0, 1, 1, 1],
            "gt_is_spam": [False, False, False, False, True, False, False],
            "gt_defect": [None, None, None, None, None, "deleted", None],
        },
        schema_overrides={"gt_sentiment": pl.Int8},
    )  # fmt: skip
    bull, bear = stance_counts(raw, ["AMC", "GME"], [mon, tue])
    np.testing.assert_array_equal(bull, [[0, 0], [1, 0]])
    np.testing.assert_array_equal(bear, [[1, 0], [0, 1]])
    frame = observable_frame(raw, ["AMC", "GME"], [mon, tue], strength=1.0, horizon_days=5)
    assert frame.columns == ["ticker", "date", "p_up"] and frame.height == 4
    amc_mon = frame.filter((pl.col("ticker") == "AMC") & (pl.col("date") == mon))["p_up"].item()
    assert amc_mon < 0.5
    with pytest.raises(ValueError, match="missing"):
        stance_counts(raw.drop("gt_is_spam"), ["GME"], [mon])


def test_edge_share() -> None:
    assert edge_share(0.59, 0.6) == pytest.approx(0.9)
    assert math.isnan(edge_share(0.55, 0.5))
