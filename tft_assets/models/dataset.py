"""The contract every model family trains and predicts on: sequences joined to their labels.

A :class:`ModelData` holds ``n`` samples, one per ``(ticker, end_date)`` window of
``feature_sequences``: ``x`` float32 of shape ``(n, L, F)`` (NaN where a feature is missing,
step ``L - 1`` is the session ``end_date`` itself), the index, and when known the label of
``end_date`` (forward ``h``-session return and its sign). Rows are ordered by
``(end_date, ticker)``, as :func:`tft_assets.features.load_sequences` returns them.

Time rule (DESIGN.md §3): the label of ``(ticker, t)`` is known only from session ``t + h`` on,
so a model trained for partition ``D`` may use a row only when ``t + h`` sessions ``< D``
(:func:`known_before`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tft_assets.calendar import shift_trading_days
from tft_assets.features import load_sequences

if TYPE_CHECKING:
    from tft_assets.models.tabular import TabularView


@dataclass(frozen=True)
class ModelData:
    """Samples for training or inference.

    * ``x``: float32 ``(n, L, F)``; ``feature_names``: the ``F`` names, in order.
    * ``index``: ``ticker`` (String), ``end_date`` (Date), ``n`` rows aligned with ``x``.
    * ``y``: float64 ``(n,)``, 1.0 when the forward return is > 0, 0.0 otherwise, NaN unknown.
    * ``fwd_return``: float64 ``(n,)`` forward ``h``-session return (fraction), NaN unknown.
    """

    x: np.ndarray
    index: pl.DataFrame
    feature_names: tuple[str, ...]
    y: np.ndarray
    fwd_return: np.ndarray
    #: tabular views already built, by normalisation (see :meth:`table`)
    tables: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = self.x.shape[0]
        assert self.x.ndim == 3, "x is (n, L, F)"
        assert self.index.height == n and self.y.shape == (n,) and self.fwd_return.shape == (n,)
        assert self.x.shape[2] == len(self.feature_names), "one name per feature"

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def end_dates(self) -> np.ndarray:
        """``end_date`` of every sample as ``datetime64[D]``."""
        return self.index.get_column("end_date").to_numpy().astype("datetime64[D]")

    def subset(self, mask: np.ndarray) -> ModelData:
        """The samples where boolean ``mask`` (shape ``(n,)``) is true, order kept."""
        idx = np.flatnonzero(mask)
        return ModelData(
            self.x[idx],
            self.index[idx],
            self.feature_names,
            self.y[idx],
            self.fwd_return[idx],
            {k: v[idx] for k, v in self.tables.items()},
        )

    def table(self, view: TabularView) -> np.ndarray:
        """``view``'s tabular form of every sample, built once and kept. A subset taken after
        it was built keeps its rows, so a day's cross-sectional normalisation stays the one of
        all that day's samples, labelled or not, as at prediction time."""
        key = view.normalisation
        if key not in self.tables:
            self.tables[key] = view.transform(self.x, self.feature_names, self.end_dates)
        return self.tables[key]

    def labelled(self) -> ModelData:
        """The samples whose label is known."""
        return self.subset(~np.isnan(self.y))


def model_data(sequences: pl.DataFrame, labels: pl.DataFrame | None = None) -> ModelData:
    """Join long-form ``feature_sequences`` (one or many partitions) to ``labels`` rows.

    ``labels``: ``ticker, date, fwd_return, label_up`` (``LABELS_SCHEMA``); a window ending at
    ``end_date`` takes the label of ``date == end_date``. Windows without a label get NaN.
    """
    x, index = load_sequences(sequences)
    names = tuple(c for c in sequences.columns if c not in ("ticker", "end_date", "step", "date"))
    n = index.height
    if labels is None or labels.is_empty() or n == 0:
        nan = np.full(n, np.nan)
        return ModelData(x, index, names, nan, nan.copy())
    joined = index.join(
        labels.select(
            "ticker",
            pl.col("date").cast(pl.Date).alias("end_date"),
            pl.col("fwd_return").cast(pl.Float64),
            pl.col("label_up").cast(pl.Float64),
        ),
        on=["ticker", "end_date"],
        how="left",
        maintain_order="left",
    )
    fwd = joined.get_column("fwd_return").fill_null(np.nan).to_numpy().astype(np.float64)
    y = joined.get_column("label_up").fill_null(np.nan).to_numpy().astype(np.float64)
    y[np.isnan(fwd)] = np.nan
    return ModelData(x, index, names, y, fwd)


def known_before(end_dates: np.ndarray, day: dt.date, horizon_days: int) -> np.ndarray:
    """Boolean mask: the label of each ``end_date`` was known before session ``day``.

    True when ``end_date + horizon_days`` sessions ``< day`` (the purge of DESIGN.md §3).
    """
    assert horizon_days >= 1, "horizon_days is a positive number of sessions"
    # shift_trading_days(day, -(h + 1)) is the session h + 1 places before the first session
    # on or after ``day``: the latest t whose t + h still lies strictly before ``day``.
    last_known_end = shift_trading_days(day, -(horizon_days + 1))
    return end_dates <= np.datetime64(last_known_end, "D")
