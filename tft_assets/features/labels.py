"""Labels: forward return from close D to close D+h trading sessions, and its sign."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import polars as pl

from tft_assets.calendar import is_trading_day, shift_trading_days, trading_days
from tft_assets.features.config import FeatureConfig
from tft_assets.features.price import prepare_prices

HORIZON_DAYS = 5
LABELS_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "date": pl.Date(),
    "fwd_return": pl.Float64(),
    "label_up": pl.Boolean(),
}


class LabelsNotReadyError(RuntimeError):
    """The prices of session D+h do not exist yet, so the label of D is not known."""


def compute_labels(
    prices: pl.DataFrame, day: dt.date, horizon_days: int = HORIZON_DAYS, use_adj_close: bool = True
) -> pl.DataFrame:
    """Labels of ``day``: ``ticker, date, fwd_return, label_up`` (:data:`LABELS_SCHEMA`).

    ``fwd_return`` = P(D+h) / P(D) - 1 on the split-consistent price (``adj_close`` when
    present and ``use_adj_close``); ``label_up`` = fwd_return > 0 (null when the ticker has no
    price at D+h). Zero rows for a non-trading day. Raises :class:`LabelsNotReadyError` when no
    price row of session D+h exists yet.
    """
    assert horizon_days >= 1, "horizon_days is a positive number of sessions"
    if not is_trading_day(day):
        return pl.DataFrame(schema=LABELS_SCHEMA)
    target = shift_trading_days(day, horizon_days)
    px = prepare_prices(
        prices.filter(pl.col("date").cast(pl.Date).is_in([day, target])),
        FeatureConfig(use_adj_close),
    )
    future = px.filter(pl.col("date") == target).select("ticker", pl.col("P").alias("P_fwd"))
    if future.is_empty():
        raise LabelsNotReadyError(
            f"labels of {day} need prices of {target} (D+{horizon_days} sessions), which do not exist yet"
        )
    return _label_frame(px.filter(pl.col("date") == day).join(future, on="ticker", how="left"))


def _label_frame(joined: pl.DataFrame) -> pl.DataFrame:
    fwd = pl.col("P_fwd") / pl.col("P") - 1.0
    return (
        joined.select("ticker", "date", fwd.alias("fwd_return"), (fwd > 0).alias("label_up"))
        .sort("ticker")
        .cast(LABELS_SCHEMA)
    )  # type: ignore[arg-type]


def compute_labels_range(
    prices: pl.DataFrame,
    days: Iterable[dt.date],
    horizon_days: int = HORIZON_DAYS,
    use_adj_close: bool = True,
) -> dict[dt.date, pl.DataFrame]:
    """:func:`compute_labels` for many days in one pass; days whose label is not known yet are left out.

    Each frame is identical to ``compute_labels(prices, day, ...)``; non-trading days map to
    empty frames.
    """
    assert horizon_days >= 1
    wanted = sorted(set(days))
    if not wanted:
        return {}
    px = prepare_prices(prices, FeatureConfig(use_adj_close))
    sessions = np.array(
        trading_days(wanted[0], wanted[-1] + dt.timedelta(days=horizon_days * 7 // 5 + 15)),
        dtype="datetime64[D]",
    )
    session_dates = pl.Series(sessions).cast(pl.Date)
    target_of = pl.DataFrame(
        {"date": session_dates[:-horizon_days], "target": session_dates[horizon_days:]}
    )
    available = set(px["date"].unique().to_list())
    base = px.filter(pl.col("date").is_in(wanted)).join(target_of, on="date", how="left")
    future = px.select("ticker", pl.col("date").alias("target"), pl.col("P").alias("P_fwd"))
    joined = base.join(future, on=["ticker", "target"], how="left")
    out: dict[dt.date, pl.DataFrame] = {}
    groups = {
        k[0]: g for k, g in joined.partition_by("date", as_dict=True, maintain_order=True).items()
    }
    for day in wanted:
        if not is_trading_day(day):
            out[day] = pl.DataFrame(schema=LABELS_SCHEMA)
            continue
        if shift_trading_days(day, horizon_days) not in available:
            continue
        g = groups.get(day)
        out[day] = _label_frame(g) if g is not None else pl.DataFrame(schema=LABELS_SCHEMA)
    return out
