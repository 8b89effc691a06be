"""Column contracts between stages. Every source returns these columns; every stage keeps them.

Columns prefixed ``gt_`` are ground truth that only the demo world knows (true tickers, true
sentiment sign, latent hype, oracle probability). The pipeline never reads them; tests and
benchmarks do. :data:`GROUND_TRUTH_PREFIX` is how code recognises (and strips) them.
"""

from __future__ import annotations

import polars as pl

GROUND_TRUTH_PREFIX = "gt_"

#: What a posts source returns for a time window (one row per submission or comment).
#: ``author`` is the raw user name: it is hashed at ingestion and never stored.
SOURCE_POSTS_SCHEMA: dict[str, pl.DataType] = {
    "post_id": pl.String(),  # reddit base36 id without the t1_/t3_ prefix
    "kind": pl.String(),  # "submission" | "comment"
    "parent_id": pl.String(),  # submission id for comments (no prefix); null for submissions
    "subreddit": pl.String(),
    "author": pl.String(),
    "created_utc": pl.Datetime("us", "UTC"),
    "title": pl.String(),
    "body": pl.String(),
    "url": pl.String(),
    "score": pl.Int64(),
    "upvote_ratio": pl.Float64(),
    "num_comments": pl.Int64(),
    "source": pl.String(),  # "demo" | "reddit" | "archive:<file name>"
}

#: Archive readers add one column to :data:`SOURCE_POSTS_SCHEMA`: ``parse_error``, the reader's
#: message on a record it could not parse (``"malformed JSON: ..."``, with the raw line as
#: ``body``), null otherwise. Ingestion quarantines such a row with that message as its reason;
#: the column is never stored in ``raw_posts``.
PARSE_ERROR = "parse_error"
ARCHIVE_POSTS_SCHEMA: dict[str, pl.DataType] = {**SOURCE_POSTS_SCHEMA, PARSE_ERROR: pl.String()}

#: Stored ``raw_posts`` partition (calendar day of ``created_utc`` in America/New_York).
RAW_POSTS_SCHEMA: dict[str, pl.DataType] = {
    "post_id": pl.String(),
    "kind": pl.String(),
    "parent_id": pl.String(),
    "subreddit": pl.String(),
    "author_hash": pl.String(),  # HMAC-SHA256(salt, author) hex; null when the author is unknown
    "created_utc": pl.Datetime("us", "UTC"),
    "title": pl.String(),
    "body": pl.String(),
    "url": pl.String(),
    "canonical_url": pl.String(),
    "score": pl.Int64(),
    "upvote_ratio": pl.Float64(),
    "num_comments": pl.Int64(),
    "source": pl.String(),
}

#: What a prices source returns: one row per (ticker, trading day), as traded.
#: ``split_ratio`` is the split effective that day (4.0 for a 4:1 split, else 1.0);
#: ``adj_close`` is the close expressed in a split-consistent basis using only splits up to
#: that day (so it is knowable at that day's close). Sources without split data set it to close.
SOURCE_PRICES_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "ticker": pl.String(),
    "open": pl.Float64(),
    "high": pl.Float64(),
    "low": pl.Float64(),
    "close": pl.Float64(),
    "adj_close": pl.Float64(),
    "volume": pl.Int64(),
    "split_ratio": pl.Float64(),
    "source": pl.String(),
}
RAW_PRICES_SCHEMA: dict[str, pl.DataType] = dict(SOURCE_PRICES_SCHEMA)

#: Quarantine rows: the offending record serialised as JSON plus why it was rejected.
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "asset": pl.String(),
    "partition": pl.String(),
    "reason": pl.String(),  # a category: GROUP BY reason counts kinds of failure
    "detail": pl.String(),  # the row's particulars (an id, a date, the parser's message); may be null
    "record": pl.String(),
}

#: ``scored_posts``: one row per raw post (low quality kept and flagged).
SCORED_POSTS_SCHEMA: dict[str, pl.DataType] = {
    "post_id": pl.String(),
    "kind": pl.String(),
    "created_utc": pl.Datetime("us", "UTC"),
    "quality_score": pl.Float64(),  # 0..100
    "quality_tier": pl.String(),  # poor | fair | good | excellent
    "is_quality": pl.Boolean(),
    "tickers": pl.List(pl.String()),  # distinct symbols mentioned
    "sentiment": pl.Float64(),  # post-level compound score in [-1, 1]
    "ticker_sentiment": pl.List(pl.Float64()),  # aligned with ``tickers``
}

#: ``tuned_hyperparameters``: per weekly partition, one row per tuned tree kind.
TUNED_HYPERPARAMETERS_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),  # the partition key (Monday); tuned on labels known before it
    "kind": pl.String(),  # xgboost | lightgbm
    "params": pl.String(),  # JSON object of the best trial's parameters
    "best_log_loss": pl.Float64(),  # mean walk-forward log loss over the folds, nats
    "n_trials": pl.Int64(),
    "n_pruned": pl.Int64(),
    "folds": pl.Int64(),
    "known_sessions": pl.Int64(),
}

#: ``trained_models``: per daily partition, one row per member plus one ``ensemble`` row.
TRAINED_MODELS_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "model": pl.String(),  # xgboost | lightgbm | tft | ensemble
    "model_version": pl.String(),  # bundle content id (null: no model yet)
    "trained_on": pl.Date(),  # partition whose training produced this member
    "retrained": pl.Boolean(),
    "mlflow_run_id": pl.String(),
    "registry_version": pl.String(),  # version of tft-trader-ensemble
    "weight": pl.Float64(),  # ensemble weight (ensemble row: 1)
    "val_accuracy": pl.Float64(),
    "val_log_loss": pl.Float64(),
    "val_brier": pl.Float64(),
    "val_auc": pl.Float64(),
    "val_ece": pl.Float64(),
    "fit_rows": pl.Int64(),
    "tail_rows": pl.Int64(),
    "reason": pl.String(),  # why no model / why carried forward
}

#: ``predictions``: one row per ticker with a sequence at D.
PREDICTIONS_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "date": pl.Date(),
    "p_up": pl.Float64(),  # calibrated P(forward h-session return > 0)
    "expected_return": pl.Float64(),  # fraction over h sessions
    "return_low": pl.Float64(),  # split-conformal interval (90 % by default)
    "return_high": pl.Float64(),
    "p_xgboost": pl.Float64(),
    "p_lightgbm": pl.Float64(),
    "p_linear": pl.Float64(),
    "p_tft": pl.Float64(),
    "ensemble_weights": pl.String(),  # JSON {member: weight}
    "top_features": pl.String(),  # JSON [{feature, contribution (log-odds)}] x 3
    "model_version": pl.String(),
    "mlflow_run_id": pl.String(),
    "registry_version": pl.String(),
    "snapshot_id": pl.String(),
}


#: ``risk_validated_signals``: one row per approved signal.
RISK_VALIDATED_SIGNALS_SCHEMA: dict[str, pl.DataType] = {
    "signal_id": pl.String(),
    "date": pl.Date(),  # the signal day: decided at its close
    "ticker": pl.String(),
    "direction": pl.String(),  # long | short
    "confidence": pl.Float64(),  # calibrated P(up) for a long, 1 - P(up) for a short
    "p_up": pl.Float64(),
    "entry": pl.Float64(),  # the signal day's close, as traded
    "stop_loss": pl.Float64(),  # as traded; the order keeps the same distance from its fill
    "take_profit": pl.Float64(),
    "atr": pl.Float64(),  # ATR(14) at the signal day, as traded
    "stop_distance": pl.Float64(),  # |entry - stop| / entry
    "reward_risk": pl.Float64(),  # net of round-trip costs
    "position_fraction": pl.Float64(),  # of equity at the decision
    "notional": pl.Float64(),  # currency ordered
    "equity": pl.Float64(),  # equity at the decision
    "model_version": pl.String(),
    "snapshot_id": pl.String(),
}
#: ``rejected_signals``: every other prediction row, with its reason codes.
REJECTED_SIGNALS_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "ticker": pl.String(),
    "p_up": pl.Float64(),
    "confidence": pl.Float64(),
    "reasons": pl.List(pl.String()),  # reason codes of tft_assets.risk.rules
    "model_version": pl.String(),
    "snapshot_id": pl.String(),
}
#: ``portfolio_state``: one row per calendar day, the state after the day's decisions.
PORTFOLIO_STATE_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "as_of": pl.Date(),  # the last session processed
    "session": pl.Boolean(),  # whether the day had a session
    "cash": pl.Float64(),
    "equity": pl.Float64(),
    "peak": pl.Float64(),
    "drawdown": pl.Float64(),  # 1 - equity / peak, at the decision
    "n_open": pl.Int64(),
    "n_pending": pl.Int64(),  # orders to fill at the next open
    "gross_exposure": pl.Float64(),  # gross market value / equity
    "state": pl.String(),  # PortfolioState JSON, exact
}
#: ``trades``: positions closed and orders cancelled on the day.
TRADES_SCHEMA: dict[str, pl.DataType] = {
    "signal_id": pl.String(),
    "ticker": pl.String(),
    "direction": pl.String(),
    "signal_date": pl.Date(),
    "entry_date": pl.Date(),
    "entry_price": pl.Float64(),  # adjusted basis, slippage included
    "qty": pl.Float64(),  # adjusted-basis shares
    "exit_date": pl.Date(),
    "exit_price": pl.Float64(),
    "exit_reason": pl.String(),
    "pnl": pl.Float64(),  # currency, commissions included
    "trade_return": pl.Float64(),
    "commission": pl.Float64(),
    "status": pl.String(),  # closed | cancelled
}

#: ``backtests``: per daily partition, one row per portfolio (see ``tft_assets.backtest.suite``);
#: units as in ``tft_assets.backtest.metrics`` (fractions; ratios annualised over 252 sessions).
BACKTESTS_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "portfolio": pl.String(),  # signals | top_k | buy_and_hold | momentum_20d
    "decision_start": pl.Date(),
    "decision_end": pl.Date(),
    "last_session": pl.Date(),  # outcomes known to here
    "sessions": pl.Int64(),
    "final_equity": pl.Float64(),
    "total_return": pl.Float64(),
    "cagr": pl.Float64(),
    "volatility": pl.Float64(),
    "sharpe": pl.Float64(),
    "sharpe_low": pl.Float64(),  # 95 % block bootstrap
    "sharpe_high": pl.Float64(),
    "sortino": pl.Float64(),
    "calmar": pl.Float64(),
    "max_drawdown": pl.Float64(),  # <= 0
    "max_drawdown_sessions": pl.Int64(),
    "n_trades": pl.Int64(),
    "win_rate": pl.Float64(),
    "profit_factor": pl.Float64(),
    "expectancy": pl.Float64(),  # mean return per trade
    "exposure": pl.Float64(),
    "turnover": pl.Float64(),  # per year
    "accuracy": pl.Float64(),
    "accuracy_low": pl.Float64(),
    "accuracy_high": pl.Float64(),
    "accuracy_n": pl.Int64(),
    "probabilistic_sharpe": pl.Float64(),
    "deflated_sharpe": pl.Float64(),
    "n_trials": pl.Int64(),
    "report": pl.String(),  # path of the HTML report
}


def empty_frame(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A zero-row frame with exactly ``schema``."""
    return pl.DataFrame(schema=schema)


def ground_truth_columns(df: pl.DataFrame) -> list[str]:
    """Names of the demo ground-truth columns present in ``df``."""
    return [c for c in df.columns if c.startswith(GROUND_TRUTH_PREFIX)]


def conform(
    df: pl.DataFrame, schema: dict[str, pl.DataType], *, keep_ground_truth: bool = True
) -> pl.DataFrame:
    """Select and cast ``df`` to ``schema`` (missing columns become nulls), keeping ``gt_*``."""
    if not df.columns:  # no columns, no rows: a select of literals alone would make one row
        return empty_frame(schema)
    exprs = [
        (pl.col(name) if name in df.columns else pl.lit(None)).cast(dtype, strict=False).alias(name)
        for name, dtype in schema.items()
    ]
    if keep_ground_truth:
        exprs += [pl.col(c) for c in ground_truth_columns(df)]
    return df.select(exprs)
