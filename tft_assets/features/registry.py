"""The feature registry: one record per feature (name, formula, window, units, source, missing).

Everything else derives from it: the column order of snapshots and sequences, the missing-data
strategy applied after computation, and the data dictionary ``docs/features.md``
(:func:`render_data_dictionary`; a test keeps the committed file current).
"""

from __future__ import annotations

from dataclasses import dataclass

from tft_assets.features.config import FEATURE_VERSION, FeatureConfig

#: Missing-data strategies. ``null``: leave the gap (warm-up, undefined); ``zero``: absence is a
#: real zero (no posts means zero mentions); ``ffill``: carry the last value forward at most
#: ``FeatureConfig.ffill_limit_sessions`` sessions, then null.
MISSING_STRATEGIES = ("null", "zero", "ffill")


@dataclass(frozen=True)
class FeatureSpec:
    """One documented feature. ``window`` and ``formula`` are rendered from a config."""

    name: str
    formula: str
    window: str
    units: str
    source: str  # "prices" | "posts" | "prices+posts"
    missing: str  # one of MISSING_STRATEGIES
    description: str

    def __post_init__(self) -> None:
        assert self.missing in MISSING_STRATEGIES, f"{self.name}: unknown strategy {self.missing}"
        assert self.source in ("prices", "posts", "prices+posts"), self.name


def feature_specs(config: FeatureConfig | None = None) -> tuple[FeatureSpec, ...]:
    """All features in snapshot column order, with windows taken from ``config``."""
    c = config or FeatureConfig()
    px = "adj_close (or close)" if c.use_adj_close else "close"
    ann = c.trading_days_per_year
    s, lg = c.sentiment_short_sessions, c.sentiment_long_sessions
    return (
        FeatureSpec(
            "ret_1d",
            "P_t / P_{t-1} - 1",
            "1 session",
            "fraction",
            "prices",
            "null",
            f"Simple 1-session return of {px}.",
        ),
        FeatureSpec(
            "ret_5d",
            "P_t / P_{t-5} - 1",
            "5 sessions",
            "fraction",
            "prices",
            "null",
            "Simple 5-session return (price momentum).",
        ),
        FeatureSpec(
            "ret_20d",
            "P_t / P_{t-20} - 1",
            "20 sessions",
            "fraction",
            "prices",
            "null",
            "Simple 20-session return.",
        ),
        FeatureSpec(
            "rsi_14",
            "100 - 100 / (1 + EMA_w(up) / EMA_w(down)), alpha = 1/w (Wilder); 100 when EMA(down) = 0",
            f"{c.rsi_window_sessions} sessions",
            "0..100",
            "prices",
            "null",
            "Relative strength index, Wilder smoothing seeded at the first change.",
        ),
        FeatureSpec(
            "macd",
            "EMA_fast(P) - EMA_slow(P), EMA span n: alpha = 2/(n+1)",
            f"{c.macd_fast_sessions}/{c.macd_slow_sessions} sessions",
            "price units",
            "prices",
            "null",
            "MACD line.",
        ),
        FeatureSpec(
            "macd_signal",
            "EMA_signal(macd)",
            f"{c.macd_signal_sessions} sessions",
            "price units",
            "prices",
            "null",
            "MACD signal line.",
        ),
        FeatureSpec(
            "macd_hist",
            "macd - macd_signal",
            f"{c.macd_slow_sessions}+{c.macd_signal_sessions} sessions",
            "price units",
            "prices",
            "null",
            "MACD histogram.",
        ),
        FeatureSpec(
            "bb_pct_b",
            "(P - lower) / (upper - lower); bands = SMA_n(P) +/- k * std_n(P, ddof=0)",
            f"{c.bb_window_sessions} sessions, k = {c.bb_num_std:g}",
            "fraction of band",
            "prices",
            "null",
            "Bollinger %B; null when the band has zero width.",
        ),
        FeatureSpec(
            "bb_bandwidth",
            "(upper - lower) / SMA_n(P)",
            f"{c.bb_window_sessions} sessions",
            "fraction",
            "prices",
            "null",
            "Bollinger bandwidth relative to the middle band.",
        ),
        FeatureSpec(
            "sma_10",
            "mean(P_{t-n+1..t})",
            f"{c.sma_fast_sessions} sessions",
            "price units",
            "prices",
            "null",
            "Fast simple moving average.",
        ),
        FeatureSpec(
            "sma_50",
            "mean(P_{t-n+1..t})",
            f"{c.sma_slow_sessions} sessions",
            "price units",
            "prices",
            "null",
            "Slow simple moving average.",
        ),
        FeatureSpec(
            "sma_cross",
            "sign(sma_10 - sma_50)",
            f"{c.sma_slow_sessions} sessions",
            "-1/0/+1",
            "prices",
            "null",
            "Crossover state: +1 fast above slow, -1 below.",
        ),
        FeatureSpec(
            "sma_distance",
            "sma_10 / sma_50 - 1",
            f"{c.sma_slow_sessions} sessions",
            "fraction",
            "prices",
            "null",
            "Distance between the fast and slow averages.",
        ),
        FeatureSpec(
            "atr_14",
            "TR = max(H-L, |H-C_{t-1}|, |L-C_{t-1}|); ATR_w = mean(TR_1..w), then (ATR*(w-1) + TR)/w",
            f"{c.atr_window_sessions} sessions",
            "price units",
            "prices",
            "null",
            "Average true range (Wilder), the first TR uses H-L.",
        ),
        FeatureSpec(
            "atr_pct_14",
            "atr_14 / P",
            f"{c.atr_window_sessions} sessions",
            "fraction",
            "prices",
            "null",
            "ATR relative to the price, comparable across tickers.",
        ),
        FeatureSpec(
            "realized_vol_20",
            f"std(ln(P_t/P_{{t-1}}), ddof=1) * sqrt({ann})",
            f"{c.vol_window_sessions} sessions",
            "annualised fraction",
            "prices",
            "null",
            "Realised volatility of log returns.",
        ),
        FeatureSpec(
            "volume_ratio_20",
            "V_t / mean(V_{t-n+1..t})",
            f"{c.volume_window_sessions} sessions",
            "ratio",
            "prices",
            "null",
            "Volume (split-consistent) relative to its mean, today included.",
        ),
        FeatureSpec(
            "mention_count",
            "number of quality posts mentioning the ticker in session D",
            "1 session",
            "posts",
            "posts",
            "zero",
            "Attention: quality posts assigned to D by the 16:00 ET cutoff.",
        ),
        FeatureSpec(
            "mention_zscore",
            "(count_D - mean(count_{D-n..D-1})) / max(std(count_{D-n..D-1}), floor)",
            f"{c.mention_z_window_sessions} previous sessions, floor {c.mention_z_min_std:g}",
            "std devs",
            "posts",
            "null",
            "Attention shock against the ticker's own recent history.",
        ),
        FeatureSpec(
            "sentiment_mean",
            "sum(q_i * s_i) / sum(q_i) over the session's quality posts; q = quality_score/100",
            "1 session",
            "compound -1..1",
            "posts",
            "ffill",
            "Quality-weighted mean ticker sentiment (post sentiment when the ticker has none).",
        ),
        FeatureSpec(
            "sentiment_trend_3d",
            "sum(q_i * s_i) / sum(q_i) over posts of the last n sessions",
            f"{s} sessions",
            "compound -1..1",
            "posts",
            "ffill",
            "Short sentiment trend (pooled).",
        ),
        FeatureSpec(
            "sentiment_trend_7d",
            "sum(q_i * s_i) / sum(q_i) over posts of the last n sessions",
            f"{lg} sessions",
            "compound -1..1",
            "posts",
            "ffill",
            "Long sentiment trend (pooled).",
        ),
        FeatureSpec(
            "sentiment_volatility",
            "std(sentiment_mean over sessions with posts, ddof=1)",
            f"{lg} sessions",
            "compound",
            "posts",
            "null",
            "Dispersion of daily sentiment.",
        ),
        FeatureSpec(
            "sentiment_momentum",
            "sentiment_trend_3d_t - sentiment_trend_3d_{t-n}",
            f"{s} sessions",
            "compound change",
            "posts",
            "null",
            "Rate of change of sentiment.",
        ),
        FeatureSpec(
            "sentiment_divergence",
            f"sentiment_trend_7d - tanh({c.divergence_price_scale:g} * ret_5d)",
            f"{lg} / 5 sessions",
            "-2..2",
            "prices+posts",
            "null",
            "Chatter more bullish (positive) or bearish (negative) than the recent price move.",
        ),
        FeatureSpec(
            "sentiment_extreme_pos",
            f"count of quality posts with ticker sentiment > {c.sentiment_extreme:g}",
            "1 session",
            "posts",
            "posts",
            "zero",
            "Euphoric posts.",
        ),
        FeatureSpec(
            "sentiment_extreme_neg",
            f"count of quality posts with ticker sentiment < -{c.sentiment_extreme:g}",
            "1 session",
            "posts",
            "posts",
            "zero",
            "Panicked posts.",
        ),
    )


FEATURE_SPECS: tuple[FeatureSpec, ...] = feature_specs()
#: Feature column names in snapshot / sequence order (>= 23 by the issue's requirement).
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURE_SPECS)
PRICE_FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURE_SPECS if f.source == "prices")
SENTIMENT_FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURE_SPECS if f.source != "prices")
#: Features in price units (``sma_10``, ``sma_50``, ``atr_14``, the MACD lines): a level, not a
#: signal. They move with the price, so they correlate with each other across tickers by
#: construction; the models never take them raw (see :mod:`tft_assets.models.tabular`).
PRICE_LEVEL_FEATURES: tuple[str, ...] = tuple(
    f.name for f in FEATURE_SPECS if f.units == "price units"
)
#: Every other feature: the scale-free inputs (returns, ratios, oscillators, counts, sentiment).
SCALE_FREE_FEATURES: tuple[str, ...] = tuple(
    f for f in FEATURE_NAMES if f not in PRICE_LEVEL_FEATURES
)


def render_data_dictionary(config: FeatureConfig | None = None) -> str:
    """Markdown data dictionary of every feature and of the stored frames (``docs/features.md``)."""
    specs = feature_specs(config)
    c = config or FeatureConfig()
    lines = [
        "# Feature data dictionary",
        "",
        "<!-- Generated by tft_assets.features.registry.render_data_dictionary(); do not edit by hand."
        " Regenerate with `python -m tft_assets.features.registry > docs/features.md`. -->",
        "",
        f"Feature version **{FEATURE_VERSION}**, {len(specs)} features. `P` is the split-consistent price "
        "(`adj_close`, with high/low rescaled by `adj_close / close` and volume divided by it) when "
        "`use_adj_close` is set, else the as-traded close. Windows count trading sessions of the ticker.",
        "",
        "## Information cutoff",
        "",
        "The row `(ticker, D)` uses prices up to and including D's close and only posts created strictly "
        "before D's 16:00 America/New_York close and at or after the previous session's close; a post at "
        "or after the close feeds the next session. Only posts with `is_quality` count. Every computation "
        "is causal (rolling windows, EWMs and shifts look backwards only).",
        "",
        "## Features",
        "",
        "| name | formula | window | units | source | missing |",
        "|---|---|---|---|---|---|",
    ]
    for f in specs:
        missing = (
            f"ffill <= {c.ffill_limit_sessions} sessions, then null"
            if f.missing == "ffill"
            else f.missing
        )
        formula = f.formula.replace("|", "\\|")
        lines.append(
            f"| `{f.name}` | {formula} | {f.window} | {f.units} | {f.source} | {missing} |"
        )
    lines += ["", "### Descriptions", ""]
    lines += [f"- `{f.name}`: {f.description}" for f in specs]
    lines += [
        "",
        "## feature_snapshots (one Parquet file per trading day D)",
        "",
        "Columns: `ticker`, `date`, `snapshot_id`, the features above in order, then `missing_pct` "
        "(share of null features in the row), `anomaly_count` and `anomaly_features` (features whose "
        f"|z| > {c.anomaly_z:g} against the ticker's previous {c.anomaly_window_sessions} sessions, "
        "comma-separated) and `isolation_score` "
        f"(an isolation forest of {c.isolation_trees} trees on the day's cross-section, scikit-learn's "
        "`score_samples` scale: -1..0, lower = more anomalous).",
        "Non-trading days have zero rows. `snapshot_id` is a UUID5 of the feature version, the partition, the "
        "builder config and the chained input checksums; the content checksum is a SHA-256 of the frame's "
        "values. Lineage `(snapshot_id, ticker, post_id)` lists every quality post that mentions the ticker in "
        f"the last {c.sentiment_lookback_sessions} sessions (the span that can influence a sentiment feature).",
        "Feature pairs whose cross-sectional |correlation| exceeds "
        f"{c.corr_threshold:g} are reported in the snapshot metadata.",
        "",
        "## feature_sequences (one Parquet file per trading day D)",
        "",
        "Long form: one row per `(ticker, end_date, step)` with `step` 0..L-1 (oldest to newest), the `date` "
        "of that step, and one Float32 column per feature in the order above; nulls are values still missing "
        "after the per-window forward fill. `load_sequences(frame)` returns `X` of shape "
        "(n_sequences, L, n_features) float32 (NaN for missing) and the `(ticker, end_date)` index. "
        "Windows with more than the allowed share of missing values are dropped and counted.",
        "",
        "## labels (one Parquet file per trading day D)",
        "",
        "`ticker`, `date`, `fwd_return` = P(D+h) / P(D) - 1 over h trading sessions (default 5, on the "
        "split-consistent price), `label_up` = fwd_return > 0. A partition can be built only once the "
        "prices of session D+h exist.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(render_data_dictionary(), end="")
