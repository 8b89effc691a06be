"""What a person sees on the ``feature_snapshots`` page: per-feature distributions, a correlation
heatmap, the day's anomalies, and per ticker the price with mentions and sentiment overlaid.

The pictures describe the run's last ``WINDOW_SESSIONS`` sessions and go into one
``AssetObservation`` of the run's last partition: a single-run backfill copies its output
metadata onto every partition's event, and 400 copies of the same images would only bloat the
event log. matplotlib (Agg) is imported inside the functions.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import numpy as np
import polars as pl

from tft_assets.defs.metadata import md_table, png_markdown
from tft_assets.features import FEATURE_NAMES

WINDOW_SESSIONS = 60
MAX_TICKERS = 6


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def distributions_png(rows: pl.DataFrame) -> bytes:
    """A histogram per feature over ``rows`` (nulls left out)."""
    from tft_assets.models.plots import figure_png

    plt = _pyplot()
    cols = 6
    n_rows = -(-len(FEATURE_NAMES) // cols)
    fig, axes = plt.subplots(n_rows, cols, figsize=(12, 1.7 * n_rows), dpi=60)
    for ax, name in zip(axes.ravel(), [*FEATURE_NAMES, *[None] * (n_rows * cols)], strict=False):
        ax.tick_params(labelsize=6)
        if name is None:
            ax.axis("off")
            continue
        x = rows[name].cast(pl.Float64).drop_nulls().drop_nans().to_numpy()
        if x.size:
            ax.hist(x, bins=30, color="#4c72b0")
        ax.set_title(name, fontsize=8)
    fig.tight_layout()
    return figure_png(fig)


def correlation_png(rows: pl.DataFrame) -> bytes:
    """Pearson correlations of every feature pair over ``rows`` (nulls: column median)."""
    from tft_assets.models.plots import figure_png

    plt = _pyplot()
    x = rows.select(
        pl.col(f).cast(pl.Float64).fill_null(pl.col(f).median()).fill_null(0.0)
        for f in FEATURE_NAMES
    ).to_numpy()
    keep = x.std(axis=0) > 0
    corr = np.full((len(FEATURE_NAMES),) * 2, np.nan)
    if keep.sum() >= 2:
        corr[np.ix_(keep, keep)] = np.corrcoef(x[:, keep], rowvar=False)
    fig, ax = plt.subplots(figsize=(8, 7), dpi=60)
    im = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(FEATURE_NAMES)), FEATURE_NAMES, rotation=90, fontsize=7)
    ax.set_yticks(range(len(FEATURE_NAMES)), FEATURE_NAMES, fontsize=7)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(f"feature correlations over {rows.height:,} rows", fontsize=9)
    fig.tight_layout()
    return figure_png(fig)


def tickers_png(prices: pl.DataFrame, rows: pl.DataFrame) -> bytes:
    """Per ticker (the most mentioned, at most ``MAX_TICKERS``): the close, with the daily
    mention count as bars and the mean sentiment as a line on a second axis."""
    from tft_assets.models.plots import figure_png

    plt = _pyplot()
    top = (
        rows.group_by("ticker")
        .agg(pl.col("mention_count").sum())
        .sort(["mention_count", "ticker"], descending=[True, False])
        .head(MAX_TICKERS)["ticker"]
        .to_list()
    )
    fig, axes = plt.subplots(len(top) or 1, 1, figsize=(9, 2.2 * max(len(top), 1)), dpi=60)
    for ax, ticker in zip(np.atleast_1d(axes), top, strict=False):
        px = prices.filter(pl.col("ticker") == ticker).sort("date")
        f = rows.filter(pl.col("ticker") == ticker).sort("date")
        ax.plot(px["date"].to_list(), px["close"].to_list(), color="black", lw=1)
        ax.set_ylabel(f"{ticker} close", fontsize=7)
        twin = ax.twinx()
        twin.bar(f["date"].to_list(), f["mention_count"].to_list(), color="#dd8452", alpha=0.4)
        twin.set_ylabel("mentions", fontsize=7)
        third = ax.twinx()
        third.plot(f["date"].to_list(), f["sentiment_mean"].to_list(), color="#55a868", lw=1)
        third.set_ylim(-1, 1)
        third.set_yticks([])
        ax.tick_params(labelsize=6)
        twin.tick_params(labelsize=6)
        ax.set_title(f"{ticker}: close, mentions (bars), sentiment (green, -1..1)", fontsize=8)
    fig.tight_layout()
    return figure_png(fig)


def anomalies_table(day_frame: pl.DataFrame) -> dg.MetadataValue:
    """The day's rows with at least one anomalous feature, most isolated first."""
    flagged = day_frame.filter(pl.col("anomaly_count") > 0).sort("isolation_score")
    return md_table(
        flagged.select("ticker", "anomaly_count", "anomaly_features", "isolation_score"),
        max_rows=20,
        max_chars=80,
    )


def pictures_observation(
    frames: dict[str, pl.DataFrame], prices: pl.DataFrame
) -> dg.AssetObservation | None:
    """An observation of the run's last session with the pictures of its last sessions; None
    when the run has no rows."""
    keys = sorted(k for k, f in frames.items() if f.height)[-WINDOW_SESSIONS:]
    if not keys:
        return None
    rows = pl.concat([frames[k] for k in keys], how="vertical_relaxed")
    first = dt.date.fromisoformat(keys[0])
    px = prices.filter(pl.col("date").cast(pl.Date) >= first).select(
        pl.col("date").cast(pl.Date), "ticker", pl.col("close").cast(pl.Float64)
    )
    last = frames[keys[-1]]
    return dg.AssetObservation(
        asset_key="feature_snapshots",
        partition=keys[-1],
        description=f"pictures of {keys[0]} .. {keys[-1]} ({len(keys)} sessions)",
        metadata={
            "window": f"{keys[0]} .. {keys[-1]}",
            "feature_distributions": png_markdown(distributions_png(rows), "distributions"),
            "correlation_heatmap": png_markdown(correlation_png(rows), "correlations"),
            f"anomalies_{keys[-1]}": anomalies_table(last),
            "tickers_price_mentions_sentiment": png_markdown(tickers_png(px, rows), "tickers"),
        },
    )
