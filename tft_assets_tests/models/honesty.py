"""The walk-forward of a small demo world, shared by the null- and planted-world tests."""

import datetime as dt

import numpy as np
import polars as pl

from tft_assets.calendar import trading_days
from tft_assets.models.training import TrainingConfig, first_trainable_day, walk_forward
from tft_assets_tests.models.world import demo_model_data

START, END = dt.date(2023, 1, 1), dt.date(2024, 6, 30)
TICKERS = 22
CONFIG = TrainingConfig(families=("xgboost", "lightgbm"))


def walk_forward_world(
    strength: float, seed: int = 5, config: TrainingConfig = CONFIG
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Walk-forward predictions with known outcomes, and the demo world's oracle (``p_up``) with
    its observable ceiling (``p_observable``)."""
    data, oracle = demo_model_data(strength, seed, TICKERS, START, END)
    days = trading_days(first_trainable_day(data, config), END)
    pred, _ = walk_forward(data, days, config)
    known = pred.filter(pl.col("y").is_not_nan()).rename({"end_date": "date"})
    return known, oracle.rename({"end_date": "date", "p_oracle": "p_up"})


def observable_of(oracle: pl.DataFrame) -> pl.DataFrame:
    """The observable ceiling of :func:`walk_forward_world`'s oracle frame, as ``ticker, date, p_up``."""
    return oracle.select("ticker", "date", pl.col("p_observable").alias("p_up"))


def labels_of(pred: pl.DataFrame) -> pl.DataFrame:
    return pred.select("ticker", "date", "fwd_return", (pl.col("y") > 0.5).alias("label_up"))


def hits(pred: pl.DataFrame) -> np.ndarray:
    return ((pred["p_up"].to_numpy() > 0.5) == (pred["y"].to_numpy() > 0.5)).astype(float)
