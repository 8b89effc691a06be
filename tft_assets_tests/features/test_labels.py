from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tft_assets.calendar import shift_trading_days, trading_days
from tft_assets.features import (
    LABELS_SCHEMA,
    LabelsNotReadyError,
    compute_labels,
    compute_labels_range,
)
from tft_assets_tests.features.synth import make_prices

START, END = dt.date(2021, 1, 4), dt.date(2021, 3, 31)


@pytest.mark.parametrize("horizon", [1, 5, 10])
def test_forward_return_and_sign(horizon: int) -> None:
    prices = make_prices(4, START, END, seed=5)
    day = dt.date(2021, 2, 10)
    labels = compute_labels(prices, day, horizon_days=horizon)
    assert labels.schema == pl.Schema(LABELS_SCHEMA) and labels.height == 4
    target = shift_trading_days(day, horizon)
    p = prices.pivot(on="date", index="ticker", values="close").sort("ticker")
    expected = (p[str(target)] / p[str(day)] - 1).to_list()
    assert labels["fwd_return"].to_list() == pytest.approx(expected, rel=1e-12)
    assert labels["label_up"].to_list() == [r > 0 for r in expected]


def test_label_is_not_ready_until_d_plus_h_prices_exist() -> None:
    prices = make_prices(2, START, END, seed=5)
    last = trading_days(START, END)[-1]
    day = shift_trading_days(last, -4)
    with pytest.raises(LabelsNotReadyError, match="do not exist yet"):
        compute_labels(prices, day, horizon_days=5)
    assert compute_labels(prices, shift_trading_days(last, -5), horizon_days=5).height == 2


def test_a_split_is_not_a_fake_label() -> None:
    prices = make_prices(1, START, END, seed=6)
    split_day = dt.date(2021, 2, 16)
    after = pl.col("date") >= split_day
    split = prices.with_columns(
        *[
            pl.when(after).then(pl.col(c) / 4).otherwise(pl.col(c)).alias(c)
            for c in ("open", "high", "low", "close")
        ],
        pl.when(after).then(pl.col("volume") * 4).otherwise(pl.col("volume")).alias("volume"),
    )  # adj_close stays split-consistent
    day = dt.date(2021, 2, 10)
    assert compute_labels(split, day)["fwd_return"].to_list() == pytest.approx(
        compute_labels(prices, day)["fwd_return"].to_list()
    )
    raw = compute_labels(split, day, use_adj_close=False)["fwd_return"].item()
    assert raw < -0.5  # the as-traded close would see a 75 % crash


def test_range_matches_single_days_and_leaves_out_unknown_labels() -> None:
    prices = make_prices(3, START, END, seed=7)
    days = [dt.date(2021, 3, 1) + dt.timedelta(days=i) for i in range(31)]
    many = compute_labels_range(prices, days, horizon_days=5)
    last_known = shift_trading_days(trading_days(START, END)[-1], -5)
    for day in days:
        if day.weekday() >= 5:
            assert many[day].is_empty()
        elif day <= last_known:
            assert many[day].equals(compute_labels(prices, day, horizon_days=5))
        else:
            assert day not in many
