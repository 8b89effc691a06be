"""30-session feature sequences per ticker, their long Parquet form and the loader.

Storage form (one ``feature_sequences`` partition per day D): a long frame with one row per
``(ticker, end_date, step)``, ``step`` = 0..L-1 from oldest to newest, the ``date`` of the step,
and one Float32 column per feature (registry order). It round-trips through Parquet unchanged;
:func:`load_sequences` turns one or many partitions into ``X`` (n, L, F) and the index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from tft_assets.calendar import is_trading_day, trading_days
from tft_assets.features.config import FeatureConfig
from tft_assets.features.price import assert_no_ground_truth
from tft_assets.features.registry import FEATURE_NAMES

SEQUENCE_LENGTH_SESSIONS = 30
MAX_MISSING_FRACTION = 0.2
INDEX_COLUMNS: tuple[str, ...] = ("ticker", "end_date", "step", "date")
# Calendar days always containing L sessions: 7/5 per session plus the longest holiday run.
_CALENDAR_SLACK_DAYS = 14


def window_sessions(day: dt.date, length: int = SEQUENCE_LENGTH_SESSIONS) -> list[dt.date]:
    """The ``length`` NYSE sessions ending at ``day`` (inclusive); empty if ``day`` is not a session."""
    if not is_trading_day(day):
        return []
    start = day - dt.timedelta(days=length * 7 // 5 + _CALENDAR_SLACK_DAYS)
    return trading_days(start, day)[-length:]


def window_calendar_days(length: int = SEQUENCE_LENGTH_SESSIONS) -> int:
    """Calendar days of snapshot partitions a sequence partition needs (for the partition mapping)."""
    return length * 7 // 5 + _CALENDAR_SLACK_DAYS


@dataclass(frozen=True)
class Sequences:
    """Sequences ending at ``end_date``.

    ``X``: float32 (n_tickers, length, n_features), NaN where a value is still missing after the
    forward fill; ``index``: ``ticker, end_date`` aligned with ``X``'s first axis; ``dates``: the
    ``length`` session dates of the window; ``dropped``: sequences removed for exceeding
    ``max_missing`` (tickers in ``dropped_tickers``).
    """

    end_date: dt.date
    X: np.ndarray
    index: pl.DataFrame
    feature_names: tuple[str, ...]
    dates: tuple[dt.date, ...]
    dropped: int
    dropped_tickers: tuple[str, ...]

    def to_frame(self) -> pl.DataFrame:
        """The long storage form (see module docstring)."""
        n, length, nf = self.X.shape
        steps = np.tile(np.arange(length, dtype=np.int32), n)
        base = pl.DataFrame(
            {
                "ticker": pl.Series(
                    np.repeat(self.index["ticker"].to_numpy(), length) if n else [], dtype=pl.String
                ),
                "end_date": pl.Series([self.end_date] * (n * length), dtype=pl.Date),
                "step": pl.Series(steps, dtype=pl.Int32),
                "date": pl.Series(list(self.dates) * n, dtype=pl.Date),
            }
        )
        values = self.X.reshape(n * length, nf)
        feats = pl.DataFrame(
            {
                f: pl.Series(values[:, j], dtype=pl.Float32, nan_to_null=True)
                for j, f in enumerate(self.feature_names)
            }
        )
        return pl.concat([base, feats], how="horizontal")


def build_sequences(
    snapshots_window: pl.DataFrame,
    day: dt.date,
    length: int = SEQUENCE_LENGTH_SESSIONS,
    max_missing: float = MAX_MISSING_FRACTION,
    ffill_limit: int | None = None,
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> Sequences:
    """Per-ticker windows of the ``length`` sessions ending at ``day``.

    ``snapshots_window``: snapshot rows (``ticker, date`` + features; other columns ignored)
    covering at least those sessions; rows outside the window are ignored. Tickers are those with
    a row on ``day``; a session without a row is missing. Values are forward-filled within the
    window (at most ``ffill_limit`` sessions, default ``FeatureConfig().ffill_limit_sessions``);
    windows whose missing share exceeds ``max_missing`` are dropped and counted.
    """
    assert 0 <= max_missing <= 1, "max_missing is a fraction"
    assert length >= 1
    names = tuple(feature_names)
    unknown = [f for f in names if f not in FEATURE_NAMES]
    assert not unknown, f"sequences take registry features only, not {unknown}"
    assert_no_ground_truth(list(names), "build_sequences")
    limit = FeatureConfig().ffill_limit_sessions if ffill_limit is None else ffill_limit
    sessions = window_sessions(day, length)
    empty = Sequences(day, np.zeros((0, length, len(names)), np.float32),
                      pl.DataFrame(schema={"ticker": pl.String, "end_date": pl.Date}), names,
                      tuple(sessions), 0, ())  # fmt: skip
    if len(sessions) < length or snapshots_window.is_empty():
        return empty
    rows = snapshots_window.select(
        pl.col("ticker").cast(pl.String),
        pl.col("date").cast(pl.Date),
        *[pl.col(f).cast(pl.Float64) for f in names],
    ).filter(pl.col("date").is_between(sessions[0], day))
    tickers = rows.filter(pl.col("date") == day)["ticker"].unique().sort()
    if tickers.is_empty():
        return empty
    grid = tickers.to_frame().join(
        pl.DataFrame({"date": sessions}, schema={"date": pl.Date}), how="cross"
    )
    filled = (
        grid.join(rows, on=["ticker", "date"], how="left")
        .sort("ticker", "date")
        .with_columns([pl.col(f).forward_fill(limit=limit).over("ticker") for f in names])
    )
    x = (
        filled.select(names)
        .to_numpy()
        .astype(np.float32)
        .reshape(tickers.len(), length, len(names))
    )
    missing = np.isnan(x).reshape(tickers.len(), -1).mean(axis=1)
    keep = missing <= max_missing
    kept = tickers.filter(pl.Series(keep))
    return Sequences(
        end_date=day,
        X=np.ascontiguousarray(x[keep]),
        index=pl.DataFrame(
            {"ticker": kept, "end_date": pl.Series([day] * kept.len(), dtype=pl.Date)}
        ),
        feature_names=names,
        dates=tuple(sessions),
        dropped=int((~keep).sum()),
        dropped_tickers=tuple(tickers.filter(pl.Series(~keep)).to_list()),
    )


def iter_sequences(
    snapshots_history: pl.DataFrame,
    days: Iterable[dt.date],
    length: int = SEQUENCE_LENGTH_SESSIONS,
    max_missing: float = MAX_MISSING_FRACTION,
    ffill_limit: int | None = None,
) -> Iterator[Sequences]:
    """:func:`build_sequences` for many days, one window in memory at a time (backfills)."""
    hist = snapshots_history.sort("date")
    dates = hist["date"].cast(pl.Date).to_numpy()
    for day in sorted(set(days)):
        sessions = window_sessions(day, length)
        if not sessions:
            yield build_sequences(hist.clear(), day, length, max_missing, ffill_limit)
            continue
        a = int(np.searchsorted(dates, np.datetime64(sessions[0], "D"), side="left"))
        b = int(np.searchsorted(dates, np.datetime64(day, "D"), side="right"))
        yield build_sequences(hist.slice(a, b - a), day, length, max_missing, ffill_limit)


def load_sequences(frame: pl.DataFrame) -> tuple[np.ndarray, pl.DataFrame]:
    """``X`` float32 (n, L, F) with NaN for missing, and the ``ticker, end_date`` index.

    ``frame``: one or many ``feature_sequences`` partitions in the long form (concatenated).
    Sequences are ordered by (end_date, ticker); features keep the frame's column order (see
    :func:`sequence_feature_names`). Raises ValueError when a sequence lacks steps.
    """
    names = sequence_feature_names(frame)
    if frame.is_empty():
        return np.zeros((0, 0, len(names)), np.float32), pl.DataFrame(
            schema={"ticker": pl.String, "end_date": pl.Date}
        )
    f = frame.sort("end_date", "ticker", "step")
    counts = f.group_by("end_date", "ticker", maintain_order=True).agg(
        pl.len().alias("n"), (pl.col("step") == pl.int_range(pl.len())).all().alias("ok")
    )
    lengths = counts["n"].unique()
    if lengths.len() != 1 or not counts["ok"].all():
        raise ValueError(
            "feature_sequences frame is ragged: every sequence needs steps 0..L-1 exactly once"
        )
    length = int(lengths[0])
    x = f.select(names).cast(pl.Float32).to_numpy().astype(np.float32, copy=False)
    return x.reshape(counts.height, length, len(names)), counts.select("ticker", "end_date")


def sequence_feature_names(frame: pl.DataFrame) -> tuple[str, ...]:
    """Feature columns of a long sequences frame, in order."""
    return tuple(c for c in frame.columns if c not in INDEX_COLUMNS)
