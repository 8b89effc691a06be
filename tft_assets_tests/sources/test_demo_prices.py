"""Demo world prices: contract, calendar, OHLC envelope, splits, halts, volume and the oracle."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tft_assets import calendar
from tft_assets.schemas import SOURCE_PRICES_SCHEMA
from tft_assets.sources.demo import SPLITS, DemoWorld, DemoWorldConfig

START, END = dt.date(2020, 1, 1), dt.date(2021, 12, 31)
HORIZON = 5


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return DemoWorld(DemoWorldConfig())


@pytest.fixture(scope="module")
def bars(world) -> pl.DataFrame:
    return world.fetch_prices(world.tickers, START, END).frame


def test_schema_is_the_contract_plus_ground_truth(bars):
    expected = {**SOURCE_PRICES_SCHEMA, "gt_hype": pl.Float64(), "gt_oracle_p_up": pl.Float64()}
    assert dict(bars.schema) == expected
    assert list(bars.columns) == list(expected)
    assert (bars["source"] == "demo").all()
    assert bars.select(pl.all().is_null().sum()).sum_horizontal().item() == 0


def test_only_nyse_sessions_and_rare_halts(world, bars):
    sessions = set(calendar.trading_days(START, END))
    dates = set(bars["date"].to_list())
    assert dates == sessions
    assert not {d for d in dates if d.weekday() >= 5}
    assert dt.date(2020, 12, 25) not in dates and dt.date(2021, 7, 5) not in dates  # holidays
    expected = len(sessions) * len(world.tickers)
    missing = expected - bars.height
    assert 0 < missing < 0.005 * expected  # halts: rare but present over two years
    assert bars.select("ticker", "date").is_unique().all()
    latent = world.latent_frame(START, END)
    assert int(latent["halted"].sum()) == missing


def test_ohlc_envelope_and_positive_values(bars):
    bad = bars.filter(
        (pl.col("high") < pl.max_horizontal("open", "close"))
        | (pl.col("low") > pl.min_horizontal("open", "close"))
        | (pl.col("low") <= 0)
        | (pl.col("volume") <= 0)
    )
    assert bad.height == 0
    gaps = bars.sort("ticker", "date").with_columns(
        gap=(pl.col("open") / pl.col("close").shift(1).over("ticker")).log()
    )
    assert gaps["gap"].drop_nulls().abs().mean() > 0.002  # opens are not the previous close


def test_split_shows_in_raw_prices_not_in_adjusted_returns(world, bars):
    (symbol, day, ratio) = next(s for s in SPLITS if s[0] == "TSLA")
    assert calendar.is_trading_day(day)
    t = bars.filter(pl.col("ticker") == symbol).sort("date")
    i = t["date"].to_list().index(day)
    assert t["split_ratio"][i] == ratio
    assert (t["split_ratio"].to_numpy()[np.arange(t.height) != i] == 1.0).all()
    raw = t["close"][i] / t["close"][i - 1]
    adj = t["adj_close"][i] / t["adj_close"][i - 1]
    assert raw < 1.5 / ratio and 0.6 < adj < 1.6
    assert t["open"][i] < t["close"][i - 1] / (ratio * 0.7)
    assert t["volume"][i + 1 :].mean() > 2 * t["volume"][:i].mean()
    # adj_close is close times the split factor known at that close; its log returns are the
    # latent returns exactly.
    before, after = t.filter(pl.col("date") < day), t.filter(pl.col("date") >= day)
    np.testing.assert_allclose(before["adj_close"], before["close"], rtol=1e-12)
    np.testing.assert_allclose(after["adj_close"], after["close"] * ratio, rtol=1e-12)
    latent = world.latent_frame(START, END).filter(pl.col("ticker") == symbol)
    sessions = calendar.trading_days(START, END)
    index = pl.DataFrame({"date": sessions, "i": list(range(len(sessions)))})
    rows = (
        latent.join(t.select("date", "adj_close"), on="date")
        .join(index, on="date")
        .sort("date")
        .with_columns(
            r=(pl.col("adj_close") / pl.col("adj_close").shift(1)).log(),
            step=pl.col("i") - pl.col("i").shift(1),
        )
        .filter(pl.col("step") == 1)  # consecutive sessions (no halt in between)
    )
    assert rows.height > 400
    np.testing.assert_allclose(rows["r"], rows["log_return"], atol=1e-9)


def test_volume_spikes_and_attention(world, bars):
    latent = world.latent_frame(START, END)
    joined = bars.join(latent, on=["ticker", "date"])
    log_v = joined.with_columns(
        rel=(pl.col("volume").log() - pl.col("volume").log().median().over("ticker"))
    )
    spikes = log_v.filter(pl.col("volume_spike"))
    assert spikes.height > 20
    assert spikes["rel"].median() > np.log(3.0)
    calm = log_v.filter(~pl.col("volume_spike"))
    assert np.corrcoef(calm["hype"].abs(), calm["rel"])[0, 1] > 0.3


def test_unknown_tickers_get_a_note_and_no_rows(world):
    got = world.fetch_prices(["GME", "ZZZZ", "KOSS"], dt.date(2021, 1, 4), dt.date(2021, 1, 8))
    assert set(got.frame["ticker"].unique()) == {"GME"}  # KOSS is outside the first 20
    assert "ZZZZ" in got.notes and "KOSS" in got.notes
    assert got.frame.height == 5
    empty = world.fetch_prices(["ZZZZ"], dt.date(2021, 1, 4), dt.date(2021, 1, 8))
    assert empty.frame.height == 0 and dict(empty.frame.schema) == dict(got.frame.schema)


def test_prices_are_deterministic_per_date(world, bars):
    fresh = DemoWorld(DemoWorldConfig())
    one = fresh.fetch_prices(["AMC", "GME"], dt.date(2021, 1, 27), dt.date(2021, 1, 27)).frame
    expected = bars.filter(
        pl.col("date") == dt.date(2021, 1, 27), pl.col("ticker").is_in(["GME", "AMC"])
    )
    assert one.sort("ticker").equals(expected.sort("ticker"))
    other = (
        DemoWorld(DemoWorldConfig(seed=8)).fetch_prices(["GME"], START, dt.date(2020, 1, 31)).frame
    )
    assert not other["close"].equals(
        bars.filter(pl.col("ticker") == "GME").head(other.height)["close"]
    )


def _oracle_hit_rate(strength: float) -> tuple[float, int]:
    world = DemoWorld(DemoWorldConfig(signal_strength=strength))
    last = calendar.shift_trading_days(END, HORIZON)
    frame = world.fetch_prices(world.tickers, START, last).frame
    sessions = calendar.trading_days(START, last)
    index = pl.DataFrame({"date": sessions, "i": list(range(len(sessions)))})
    frame = frame.join(index, on="date")
    forward = frame.select(
        "ticker", (pl.col("i") - HORIZON).alias("i"), pl.col("adj_close").alias("fwd")
    )
    joined = frame.join(forward, on=["ticker", "i"]).filter(pl.col("date") <= END)
    hit = (joined["gt_oracle_p_up"] > 0.5) == (joined["fwd"] > joined["adj_close"])
    return float(hit.mean()), joined.height


def test_null_world_oracle_has_no_edge():
    rate, n = _oracle_hit_rate(0.0)
    assert n > 9000
    assert abs(rate - 0.5) < 0.03


def test_default_world_oracle_is_informative():
    rate, n = _oracle_hit_rate(1.0)
    assert n > 9000
    assert rate > 0.55
