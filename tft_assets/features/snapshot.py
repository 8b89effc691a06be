"""Daily feature snapshots: the (ticker, D) rows with ids, checksums, lineage and anomaly flags.

Inputs are the *whole* history available up to D (every raw_prices row dated <= D and every
scored post; posts feeding sessions after D are ignored). EWM indicators are seeded at each
ticker's first row, so the canonical history starts at the lake's first partition; the
single-day and range builders then produce byte-identical frames for the same day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from tft_assets.calendar import is_trading_day
from tft_assets.features.build import FeatureInputs, compute_features_with_inputs
from tft_assets.features.checksum import chained_digests, frame_digest
from tft_assets.features.config import FEATURE_VERSION, FeatureConfig
from tft_assets.features.isolation import isolation_scores
from tft_assets.features.price import assert_no_ground_truth
from tft_assets.features.registry import FEATURE_NAMES, SCALE_FREE_FEATURES

SNAPSHOT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "tft-trader/feature_snapshots")
LINEAGE_SCHEMA: dict[str, pl.DataType] = {
    "snapshot_id": pl.String(),
    "ticker": pl.String(),
    "post_id": pl.String(),
}
SNAPSHOT_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "date": pl.Date(),
    "snapshot_id": pl.String(),
    "feature_version": pl.String(),
    **{f: pl.Float64() for f in FEATURE_NAMES},
    "missing_pct": pl.Float64(),
    "anomaly_count": pl.Int64(),
    "anomaly_features": pl.String(),
    "isolation_score": pl.Float64(),
    "builder_config": pl.String(),
}
_MIN_ROWS_FOR_STATS = 3


@dataclass(frozen=True)
class Snapshot:
    """The ``feature_snapshots`` partition of one calendar day.

    ``frame``: :data:`SNAPSHOT_SCHEMA`, one row per ticker priced on ``day`` (zero rows on a
    non-trading day). ``lineage``: ``(snapshot_id, ticker, post_id)`` of every quality post that
    can influence the row. ``correlated_pairs``: the scale-free feature pairs with
    |corr| > ``corr_threshold`` across the day's tickers, when the day has at least
    ``corr_min_rows`` of them (see :func:`correlated_pairs`; a warning, not an error).
    """

    day: dt.date
    frame: pl.DataFrame
    lineage: pl.DataFrame
    snapshot_id: str
    feature_version: str
    builder_config: str
    input_checksum: str
    content_checksum: str
    is_trading_day: bool
    correlated_pairs: tuple[tuple[str, str, float], ...] = field(default=())

    def metadata(self) -> dict[str, object]:
        """Plain values for asset metadata (the caller wraps them for Dagster)."""
        f = self.frame
        return {
            "snapshot_id": self.snapshot_id,
            "feature_version": self.feature_version,
            "content_checksum": self.content_checksum,
            "input_checksum": self.input_checksum,
            "trading_day": self.is_trading_day,
            "rows": f.height,
            "features": len(FEATURE_NAMES),
            "lineage_rows": self.lineage.height,
            "mean_missing_pct": float(f["missing_pct"].mean()) if f.height else None,
            "rows_with_anomalies": int((f["anomaly_count"] > 0).sum()) if f.height else 0,
            "correlated_pairs": [list(p) for p in self.correlated_pairs],
            "builder_config": self.builder_config,
        }


def make_snapshot_id(day: dt.date, builder_config: str, input_checksum: str) -> str:
    """UUID5 of feature version + partition + builder config + chained input checksum."""
    return str(
        uuid.uuid5(
            SNAPSHOT_NAMESPACE,
            f"{FEATURE_VERSION}|{day.isoformat()}|{builder_config}|{input_checksum}",
        )
    )


def anomaly_flags(
    day_frame: pl.DataFrame,
    history: pl.DataFrame,
    past_sessions: list[dt.date],
    config: FeatureConfig,
) -> pl.DataFrame:
    """Add ``anomaly_count`` and ``anomaly_features`` to the rows of one day.

    A value is flagged when its z-score against the same ticker's values on ``past_sessions``
    (the ``anomaly_window_sessions`` sessions before D, at least ``anomaly_min_sessions``
    non-null, std > 0) exceeds ``anomaly_z`` in absolute value. ``history`` holds feature rows
    covering ``past_sessions``; the statistics come from a dense (ticker, session, feature)
    array, so they depend on those values only.
    """
    n_t, n_f = day_frame.height, len(FEATURE_NAMES)
    flags = np.zeros((n_t, n_f), dtype=bool)
    if n_t and len(past_sessions) >= config.anomaly_min_sessions:
        grid = day_frame.select("ticker").join(
            pl.DataFrame({"date": past_sessions}, schema={"date": pl.Date}), how="cross"
        )
        window = grid.join(history, on=["ticker", "date"], how="left", maintain_order="left")
        x = (
            window.select(FEATURE_NAMES)
            .to_numpy()
            .astype(np.float64)
            .reshape(n_t, len(past_sessions), n_f)
        )
        count = np.sum(~np.isnan(x), axis=1)
        enough = count >= config.anomaly_min_sessions
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nanmean(np.where(enough[:, None, :], x, 0.0), axis=1)
            std = np.nanstd(np.where(enough[:, None, :], x, 0.0), axis=1, ddof=1)
            today = day_frame.select(FEATURE_NAMES).to_numpy().astype(np.float64)
            z = (today - mean) / std
        flags = enough & (std > 0) & (np.abs(np.nan_to_num(z, nan=0.0)) > config.anomaly_z)
    names = np.array(FEATURE_NAMES)
    return day_frame.with_columns(
        pl.Series("anomaly_count", flags.sum(axis=1), dtype=pl.Int64),
        pl.Series("anomaly_features", [",".join(names[row]) for row in flags], dtype=pl.String),
    )


def _with_isolation_scores(day_frame: pl.DataFrame, config: FeatureConfig) -> pl.DataFrame:
    """Isolation forest scores over the day's cross-section (lower = more anomalous; see
    :func:`~tft_assets.features.isolation.isolation_scores`)."""
    if day_frame.height < _MIN_ROWS_FOR_STATS:
        return day_frame.with_columns(pl.lit(None, pl.Float64).alias("isolation_score"))
    scores = _isolation_scores(_imputed_matrix(day_frame), config)
    return day_frame.with_columns(pl.Series("isolation_score", scores, dtype=pl.Float64))


def _imputed_matrix(
    day_frame: pl.DataFrame, features: tuple[str, ...] = FEATURE_NAMES
) -> np.ndarray:
    """(n_rows, n_features) float64, nulls replaced by the column median (0 if all null)."""
    return (
        day_frame.select(pl.col(f).fill_null(pl.col(f).median()).fill_null(0.0) for f in features)
        .to_numpy()
        .astype(np.float64)
    )


def _isolation_scores(x: np.ndarray, config: FeatureConfig) -> np.ndarray:
    return isolation_scores(x, config.isolation_trees, config.isolation_seed)


def correlated_pairs(
    frame: pl.DataFrame, threshold: float, min_rows: int
) -> tuple[tuple[str, str, float], ...] | None:
    """``(feature_a, feature_b, corr)`` for the pairs of scale-free features
    (:data:`~tft_assets.features.registry.SCALE_FREE_FEATURES`) whose Pearson |corr| over the
    rows of ``frame`` exceeds ``threshold``; nulls take the column median. None when ``frame``
    has fewer than ``min_rows`` rows: a handful of tickers gives correlations of chance, not of
    redundancy. Price-level features are left out: they correlate through the price, by design."""
    if frame.height < min_rows:
        return None
    x = _imputed_matrix(frame, SCALE_FREE_FEATURES)
    keep = np.nanstd(x, axis=0) > 0
    names = [f for f, k in zip(SCALE_FREE_FEATURES, keep, strict=True) if k]
    if len(names) < 2:
        return ()
    corr = np.corrcoef(x[:, keep], rowvar=False)
    iu = np.triu_indices(len(names), k=1)
    hits = np.abs(corr[iu]) > threshold
    return tuple(
        (names[i], names[j], round(float(corr[i, j]), 4))
        for i, j in zip(iu[0][hits], iu[1][hits], strict=True)
    )


@dataclass(frozen=True)
class LineageIndex:
    """Quality mentions, sorted by session, each with the rank (``pair``) of its
    ``(ticker, post_id)`` among the distinct pairs sorted by ticker then post id: a day's lineage
    is then an integer unique and sort over its window instead of a string one."""

    sessions: pl.Series  # session of each mention, sorted
    tickers: pl.Series  # ticker of each mention
    pair: pl.Series  # UInt32 row of ``pairs`` of each mention
    pairs: pl.DataFrame  # distinct (ticker, post_id), sorted

    @classmethod
    def of(cls, mentions: pl.DataFrame) -> LineageIndex:
        """``mentions``: ``quality_mentions`` rows (``session``, ``ticker``, ``post_id``, ...)
        sorted by session."""
        pairs = mentions.select("ticker", "post_id").unique().sort("ticker", "post_id")
        ranked = mentions.select("session", "ticker", "post_id").join(
            pairs.with_row_index("pair"),
            on=["ticker", "post_id"],
            how="left",
            maintain_order="left",
        )
        return cls(ranked["session"], ranked["ticker"], ranked["pair"], pairs)

    def lineage(
        self, snapshot_id: str, first: dt.date, last: dt.date, tickers: pl.Series
    ) -> pl.DataFrame:
        """``(snapshot_id, ticker, post_id)`` of the distinct pairs of ``tickers`` mentioned in
        sessions ``first..last``, sorted by ticker then post id (:data:`LINEAGE_SCHEMA`)."""
        lo = self.sessions.search_sorted(first, side="left")
        hi = self.sessions.search_sorted(last, side="right")
        window = pl.DataFrame(
            {"ticker": self.tickers.slice(lo, hi - lo), "pair": self.pair.slice(lo, hi - lo)}
        )
        rows = (
            window.filter(pl.col("ticker").is_in(tickers.implode()))
            .get_column("pair")
            .unique()
            .sort()
        )
        return self.pairs.select(
            pl.lit(snapshot_id, pl.String).alias("snapshot_id"),
            pl.col("ticker").gather(rows),
            pl.col("post_id").gather(rows),
        )


def _dates_between(features: pl.DataFrame, first: dt.date, last: dt.date) -> pl.DataFrame:
    """The rows of ``features`` (sorted by ``date``) dated ``first..last``."""
    dates = features.get_column("date")
    lo = dates.search_sorted(first, side="left")
    hi = dates.search_sorted(last, side="right")
    return features.slice(lo, hi - lo)


def _finalise_day(
    day: dt.date,
    features: pl.DataFrame,
    inputs: FeatureInputs,
    lineage_index: LineageIndex,
    input_checksum: str,
    config: FeatureConfig,
) -> Snapshot:
    """One code path for the single-day and range builders (hence identical bytes)."""
    builder_config = config.to_json()
    sid = make_snapshot_id(day, builder_config, input_checksum)
    day_frame = _dates_between(features, day, day).sort("ticker")
    past = [d for d in inputs.sessions if d < day][-config.anomaly_window_sessions :]
    history = _dates_between(features, past[0], past[-1]) if past else features.clear()
    day_frame = anomaly_flags(day_frame, history, past, config)
    day_frame = _with_isolation_scores(day_frame, config)
    frame = day_frame.with_columns(
        pl.lit(sid, pl.String).alias("snapshot_id"),
        pl.lit(FEATURE_VERSION, pl.String).alias("feature_version"),
        pl.lit(builder_config, pl.String).alias("builder_config"),
    ).select([pl.col(c).cast(t) for c, t in SNAPSHOT_SCHEMA.items()])
    assert_no_ground_truth(frame.columns, "feature snapshot")
    # Lineage: quality posts of the frame's tickers in the sessions that can influence day D.
    sessions = [s for s in inputs.sessions if s <= day]
    window = sessions[-config.sentiment_lookback_sessions :]
    if window and frame.height:
        lineage = lineage_index.lineage(sid, window[0], window[-1], frame["ticker"])
    else:
        lineage = pl.DataFrame(schema=LINEAGE_SCHEMA)
    return Snapshot(
        day=day,
        frame=frame,
        lineage=lineage,
        snapshot_id=sid,
        feature_version=FEATURE_VERSION,
        builder_config=builder_config,
        input_checksum=input_checksum,
        content_checksum=frame_digest(frame),
        is_trading_day=is_trading_day(day),
        correlated_pairs=correlated_pairs(day_frame, config.corr_threshold, config.corr_min_rows)
        or (),
    )


def _input_chain(inputs: FeatureInputs) -> dict[dt.date, str]:
    keys = list(inputs.sessions)
    prices = chained_digests(inputs.prices, "date", keys)
    posts = chained_digests(inputs.mentions.rename({"session": "date"}), "date", keys)
    return {k: f"{prices[k]}:{posts[k]}" for k in keys}


def _checksum_at(chain: dict[dt.date, str], sessions: tuple[dt.date, ...], day: dt.date) -> str:
    idx = int(
        np.searchsorted(
            np.array(sessions, dtype="datetime64[D]"), np.datetime64(day, "D"), side="right"
        )
    )
    return chain[sessions[idx - 1]] if idx > 0 else "empty"


def build_feature_snapshots(
    prices_history: pl.DataFrame,
    scored_posts_history: pl.DataFrame | None,
    days: Iterable[dt.date],
    config: FeatureConfig | None = None,
) -> dict[dt.date, Snapshot]:
    """Snapshots for many days at once (backfills): one feature pass over the history.

    Each returned snapshot is byte-identical to ``build_feature_snapshot(prices_history,
    scored_posts_history, day, config)``. ``days`` may include non-trading days (empty frames).
    """
    config = config or FeatureConfig()
    wanted = sorted(set(days))
    if not wanted:
        return {}
    features, inputs = compute_features_with_inputs(
        prices_history, scored_posts_history, config, end=wanted[-1]
    )
    features = features.sort("date", "ticker")
    chain = _input_chain(inputs)
    lineage_index = LineageIndex.of(inputs.mentions)
    return {
        d: _finalise_day(
            d, features, inputs, lineage_index, _checksum_at(chain, inputs.sessions, d), config
        )
        for d in wanted
    }


def build_feature_snapshot(
    prices_history: pl.DataFrame,
    scored_posts_history: pl.DataFrame | None,
    day: dt.date,
    config: FeatureConfig | None = None,
) -> Snapshot:
    """The snapshot of ``day`` from every price row dated <= day and every post feeding a session <= day.

    ``prices_history``: raw_prices rows (``RAW_PRICES_SCHEMA``; later rows are ignored);
    ``scored_posts_history``: ``SCORED_POSTS_SCHEMA`` rows or None. Same inputs -> same
    ``snapshot_id``, byte-identical ``frame`` and equal ``content_checksum``.
    """
    return build_feature_snapshots(prices_history, scored_posts_history, [day], config)[day]


@dataclass(frozen=True)
class RebuildResult:
    snapshot_id: str
    day: dt.date
    expected_checksum: str
    actual_checksum: str
    rebuilt_snapshot_id: str

    @property
    def matches(self) -> bool:
        return (
            self.expected_checksum == self.actual_checksum
            and self.snapshot_id == self.rebuilt_snapshot_id
        )

    def describe(self) -> str:
        if self.matches:
            return f"snapshot {self.snapshot_id} ({self.day}) rebuilt: checksum {self.actual_checksum[:16]} matches"
        if self.snapshot_id != self.rebuilt_snapshot_id:
            return (
                f"snapshot {self.snapshot_id} ({self.day}): inputs changed since it was built "
                f"(rebuilt id {self.rebuilt_snapshot_id}); checksum {self.actual_checksum[:16]} "
                f"vs stored {self.expected_checksum[:16]}"
            )
        return (
            f"snapshot {self.snapshot_id} ({self.day}): checksum mismatch, stored {self.expected_checksum[:16]} "
            f"vs rebuilt {self.actual_checksum[:16]}"
        )


def rebuild_snapshot(
    stored: pl.DataFrame, prices_history: pl.DataFrame, scored_posts_history: pl.DataFrame | None
) -> RebuildResult:
    """Recompute a stored snapshot frame from its inputs and compare content checksums.

    ``stored``: the ``feature_snapshots`` partition as read from the lake (non-empty, one
    ``snapshot_id``); its ``builder_config`` column gives the config. Raises ValueError when
    ``stored`` is not a single snapshot.
    """
    if stored.is_empty():
        raise ValueError("stored snapshot has no rows (non-trading day): nothing to rebuild")
    ids = stored["snapshot_id"].unique().to_list()
    if len(ids) != 1:
        raise ValueError(f"stored frame holds {len(ids)} snapshot ids, expected one")
    day = stored["date"].cast(pl.Date)[0]
    config = FeatureConfig.from_json(stored["builder_config"][0])
    snap = build_feature_snapshot(prices_history, scored_posts_history, day, config)
    return RebuildResult(
        snapshot_id=ids[0],
        day=day,
        expected_checksum=frame_digest(
            stored.select([pl.col(c).cast(t) for c, t in SNAPSHOT_SCHEMA.items()])
        ),
        actual_checksum=snap.content_checksum,
        rebuilt_snapshot_id=snap.snapshot_id,
    )
