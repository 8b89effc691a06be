"""Daily bars of the demo world, as traded, derived from the latent paths.

* ``adj_close`` is the latent split-consistent price ``exp(log_price)``, so log returns of
  ``adj_close`` between consecutive sessions are exactly the latent returns; ``close`` is
  ``adj_close`` divided by the product of split ratios up to and including that day.
* Open = previous close times an overnight gap (:data:`OVERNIGHT_SHARE` of the day's return
  plus noise); the rest of the return happens intraday. High/low extend beyond
  ``max/min(open, close)`` by half-normal excursions, so the envelope is always consistent.
* Volume is lognormal around the ticker's median, rising with ``|hype|`` (attention), with
  spikes (x4..x12) on :data:`VOLUME_SPIKE_RATE` of days, and scaled up by the split factor.
* Splits (:data:`SPLITS`, real historical events) drop as-traded OHLC by the ratio from the
  effective session on; ``split_ratio`` is that ratio on that day and 1.0 otherwise.
* Halts: on ``halt_rate`` of (ticker, session) pairs (default 0.1 %), never on a split day,
  the ticker has no bar.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tft_assets.schemas import SOURCE_PRICES_SCHEMA
from tft_assets.sources.demo.latent import (
    STREAM_BAR,
    STREAM_BAR_UNIFORM,
    LatentPaths,
    TickerParams,
    yearly_normals,
    yearly_uniforms,
)
from tft_assets.sources.demo.universe import MAX_UNIVERSE_SIZE, SYMBOLS

#: (symbol, effective session, ratio): real splits; as-traded prices drop by ``ratio`` that day.
SPLITS: tuple[tuple[str, dt.date, float], ...] = (
    ("TSLA", dt.date(2020, 8, 31), 5.0),
    ("AAPL", dt.date(2020, 8, 31), 4.0),
    ("NVDA", dt.date(2021, 7, 20), 4.0),
    ("AMZN", dt.date(2022, 6, 6), 20.0),
    ("GOOGL", dt.date(2022, 7, 18), 20.0),
    ("GME", dt.date(2022, 7, 22), 4.0),
    ("TSLA", dt.date(2022, 8, 25), 3.0),
    ("NVDA", dt.date(2024, 6, 10), 10.0),
)
#: Share of a day's log return realised overnight (open vs previous close).
OVERNIGHT_SHARE = 0.3
#: Overnight gap noise, in units of the daily volatility.
OVERNIGHT_NOISE_VOL_UNITS = 0.3
#: High/low excursion beyond the open/close range, in units of the daily volatility.
RANGE_EXCURSION_VOL_UNITS = 0.5
#: Log-volume increase per unit of |hype|.
VOLUME_ATTENTION_COEF = 0.5
#: Log-volume noise standard deviation.
VOLUME_NOISE_SD = 0.35
#: Probability of a volume spike on a (ticker, session).
VOLUME_SPIKE_RATE = 0.01

_N_UNIFORMS = 3  # halt, spike, spike size


def split_matrices(sessions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ratio_that_day, cumulative_factor)``, both (n_sessions, MAX_UNIVERSE_SIZE)."""
    ratio = np.ones((len(sessions), MAX_UNIVERSE_SIZE))
    for symbol, day, r in SPLITS:
        t = int(np.searchsorted(sessions, np.datetime64(day, "D")))
        if t < len(sessions) and sessions[t] == np.datetime64(day, "D"):
            ratio[t, SYMBOLS.index(symbol)] = r
    return ratio, np.cumprod(ratio, axis=0)


def build_bars(
    seed: int, latent: LatentPaths, params: TickerParams, halt_rate: float
) -> dict[str, np.ndarray]:
    """Bars for every session of ``latent``: dict of (n_sessions, MAX_UNIVERSE_SIZE) arrays.

    Keys: open, high, low, close, adj_close, volume (int64), split_ratio, halted (bool).
    """
    sessions = latent.sessions
    years = sessions.astype("datetime64[Y]").astype(np.int64) + 1970
    z, z_hi, z_lo, z_vol = yearly_normals(seed, STREAM_BAR, years, 4)
    uni = yearly_uniforms(seed, STREAM_BAR_UNIFORM, years, _N_UNIFORMS)
    sigma = params.daily_vol[None, :]
    ratio, factor = split_matrices(sessions)

    log_adj = latent.log_price
    log_prev_adj = log_adj - latent.log_return
    gap = OVERNIGHT_SHARE * latent.log_return + OVERNIGHT_NOISE_VOL_UNITS * sigma * z
    log_open_adj = log_prev_adj + gap
    hi_adj = np.maximum(log_open_adj, log_adj) + RANGE_EXCURSION_VOL_UNITS * sigma * np.abs(z_hi)
    lo_adj = np.minimum(log_open_adj, log_adj) - RANGE_EXCURSION_VOL_UNITS * sigma * np.abs(z_lo)
    adj_close = np.exp(log_adj)
    close = adj_close / factor
    open_ = np.exp(log_open_adj) / factor
    high = np.maximum(np.exp(hi_adj) / factor, np.maximum(open_, close))
    low = np.minimum(np.exp(lo_adj) / factor, np.minimum(open_, close))

    spike = np.where(uni[1] < VOLUME_SPIKE_RATE, 4.0 + 8.0 * uni[2], 1.0)
    log_volume = (
        np.log(params.median_volume_shares)[None, :]
        + VOLUME_ATTENTION_COEF * np.abs(latent.hype)
        + VOLUME_NOISE_SD * z_vol
    )
    volume = np.rint(np.exp(log_volume) * spike * factor).astype(np.int64)
    halted = (uni[0] < halt_rate) & (ratio == 1.0)
    return {
        "open": open_,
        "high": high,
        "low": low,
        "close": close,
        "adj_close": close * factor,
        "volume": volume,
        "split_ratio": ratio,
        "halted": halted,
        "volume_spike": spike > 1.0,
    }


def bars_frame(
    bars: dict[str, np.ndarray],
    latent: LatentPaths,
    oracle_p_up: np.ndarray,
    rows: slice,
    columns: list[int],
) -> pl.DataFrame:
    """Long frame (SOURCE_PRICES_SCHEMA + gt_hype, gt_oracle_p_up) for ``rows`` x ``columns``.

    Ordered by date then universe order; halted (ticker, session) pairs are dropped.
    ``oracle_p_up`` has the shape of the latent arrays.
    """
    sessions = latent.sessions[rows]
    n_s, n_c = len(sessions), len(columns)
    cols = np.asarray(columns, dtype=np.int64)

    def take(a: np.ndarray) -> np.ndarray:
        return a[rows][:, cols].reshape(-1)

    keep = ~take(bars["halted"])
    data = {
        "date": np.repeat(sessions, n_c)[keep],
        "ticker": np.tile(np.array([SYMBOLS[c] for c in columns], dtype=object), n_s)[keep],
        **{
            k: take(bars[k])[keep]
            for k in ("open", "high", "low", "close", "adj_close", "volume", "split_ratio")
        },
    }
    frame = pl.DataFrame(
        {
            "date": pl.Series(data["date"], dtype=pl.Date()),
            "ticker": pl.Series(data["ticker"].tolist() if n_s * n_c else [], dtype=pl.String()),
            **{k: pl.Series(data[k]) for k in ("open", "high", "low", "close", "adj_close")},
            "volume": pl.Series(data["volume"], dtype=pl.Int64()),
            "split_ratio": pl.Series(data["split_ratio"], dtype=pl.Float64()),
            "source": pl.Series(["demo"] * int(keep.sum()), dtype=pl.String()),
            "gt_hype": pl.Series(take(latent.hype)[keep], dtype=pl.Float64()),
            "gt_oracle_p_up": pl.Series(take(oracle_p_up)[keep], dtype=pl.Float64()),
        }
    )
    return frame.select([*SOURCE_PRICES_SCHEMA, "gt_hype", "gt_oracle_p_up"]).cast(
        {**SOURCE_PRICES_SCHEMA, "gt_hype": pl.Float64(), "gt_oracle_p_up": pl.Float64()}
    )
