"""Post intelligence commands: ``eval tickers``, ``eval sentiment``, ``sentiment train``,
``score-posts``. Heavy imports happen inside the command functions."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    ev = subparsers.add_parser(
        "eval", help="evaluate ticker extraction or sentiment on a labelled CSV"
    )
    ev_sub = ev.add_subparsers(dest="eval_command", required=True, metavar="WHAT")
    tk = ev_sub.add_parser(
        "tickers", help="precision/recall of ticker extraction (columns text, symbols)"
    )
    tk.add_argument("labels", help="CSV with columns text and symbols (space-separated)")
    _universe_args(tk)
    tk.set_defaults(func=cmd_eval_tickers)

    se = ev_sub.add_parser(
        "sentiment",
        help="accuracy/macro-F1 of the sentiment ensemble and of each member (columns text, label)",
    )
    se.add_argument(
        "labels", help="CSV with columns text and label (bearish/neutral/bullish or a score)"
    )
    _column_args(se)
    se.add_argument(
        "--model-name", default="tft-sentiment", help="registered model to use when one exists"
    )
    se.add_argument(
        "--no-model", action="store_true", help="lexicon only, ignore any registered model"
    )
    se.set_defaults(func=cmd_eval_sentiment)

    st = subparsers.add_parser("sentiment", help="sentiment model commands")
    st_sub = st.add_subparsers(dest="sentiment_command", required=True, metavar="ACTION")
    tr = st_sub.add_parser(
        "train", help="fit TF-IDF + logistic regression, log to MLflow and register it"
    )
    tr.add_argument(
        "labelled", help="CSV with text and label columns (or any text column with --distant)"
    )
    _column_args(tr)
    tr.add_argument(
        "--distant",
        action="store_true",
        help="ignore labels: derive them from stance markers (🚀/calls vs puts/🌈🐻), masked for training",
    )
    tr.add_argument("--model-name", default="tft-sentiment")
    tr.add_argument("--seed", type=int, default=7)
    tr.set_defaults(func=cmd_sentiment_train)

    sp = subparsers.add_parser(
        "score-posts", help="score a posts file (CSV, Parquet, NDJSON, .zst)"
    )
    sp.add_argument("input", help="posts file")
    sp.add_argument("output", help="output file: .parquet or .csv")
    sp.add_argument("--min-quality", type=float, default=30.0)
    sp.add_argument("--use-model", action="store_true", help="use the registered sentiment model")
    sp.add_argument("--model-name", default="tft-sentiment")
    _universe_args(sp)
    sp.set_defaults(func=cmd_score_posts)


def _column_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="label")


def _universe_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--universe",
        action="append",
        default=[],
        metavar="FILE",
        help="extra listing file (NASDAQ screener CSV, NASDAQ Trader symbol directory, or "
        "a table with symbol and name columns), or DATE=FILE for a snapshot taken that day; "
        "its names win; repeatable (default: TFT_TICKER_UNIVERSE_FILES)",
    )
    p.add_argument(
        "--no-bundled-listings",
        action="store_true",
        help="leave out the current listings bundled with the packages (default: "
        "TFT_TICKER_BUNDLED_LISTINGS), for a strictly point-in-time universe",
    )
    p.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the posts' day: use the latest dated listing snapshot on or before it "
        "(default: the latest snapshot)",
    )
    p.add_argument("--watchlist", default="", help="comma-separated extra symbols")


def _config(args: argparse.Namespace, min_quality: float | None = None):
    from tft_assets.posts import ScoringConfig
    from tft_assets.settings import load_settings

    settings = load_settings()
    watch = tuple(s.strip() for s in args.watchlist.split(",") if s.strip()) or settings.watchlist
    # a missing listing file fails when the universe is read, with the same one line
    files = tuple(args.universe) or settings.universe_files
    kwargs = {
        "watchlist": watch,
        "universe_files": files,
        "as_of": args.as_of,
        "include_package_universe": settings.bundled_listings and not args.no_bundled_listings,
    }
    if min_quality is not None:
        kwargs["min_quality"] = min_quality
    return ScoringConfig(**kwargs)


def _read_csv(path: str, columns: list[str]):
    from tft_assets.posts.sentiment_training import read_labelled

    return read_labelled(path, columns)


def _model_store():
    from tft_assets.settings import load_settings
    from tft_assets.tracking import ModelStore

    settings = load_settings()
    return ModelStore(settings.mlflow_tracking_uri, settings.mlflow_artifact_root)


def cmd_eval_tickers(args: argparse.Namespace) -> int:
    from tft_assets.posts.evaluation import evaluate_tickers

    df = _read_csv(args.labels, ["text", "symbols"])
    cfg = _config(args)
    print(json.dumps(evaluate_tickers(df, cfg)))
    return 0


def cmd_eval_sentiment(args: argparse.Namespace) -> int:
    """Each member's scores (lexicon, the registered model alone) next to the ensemble's, and
    the model's gate (its ensemble weight and what it was measured on), as one JSON line."""
    import polars as pl

    from tft_assets.posts.sentiment_gate import evaluate_sentiment
    from tft_assets.posts.sentiment_training import label_series, load_sentiment_model

    df = _read_csv(args.labels, [args.text_column, args.label_column])
    truth = label_series(df, args.label_column)
    model = None if args.no_model else load_sentiment_model(_model_store(), args.model_name)
    texts = df.get_column(args.text_column).cast(pl.String).fill_null("")
    result = evaluate_sentiment(texts, truth.to_list(), model)
    result["model"] = None
    if model is not None:
        result["model"] = f"{model.registered_name}/{model.registered_version}"
        result["gate"] = model.gate.summary()
    print(json.dumps(result))
    return 0


def cmd_sentiment_train(args: argparse.Namespace) -> int:
    """Materialise the ``sentiment_model`` asset with this file (a run in the Dagster instance)."""
    import warnings

    import dagster as dg

    from tft_assets.cli.runner import dagster_instance, run_range
    from tft_assets.definitions import build_definitions
    from tft_assets.defs.scoring.sentiment_model import SENTIMENT_MODEL_ASSET
    from tft_assets.settings import load_settings

    warnings.filterwarnings("ignore", category=Warning, module="dagster")
    config = {
        "labelled_path": str(Path(args.labelled).resolve()),
        "text_column": args.text_column,
        "label_column": args.label_column,
        "distant": bool(args.distant),
        "seed": args.seed,
        "model_name": args.model_name,
    }
    settings = load_settings()
    result = run_range(
        build_definitions(settings),
        [dg.AssetKey(SENTIMENT_MODEL_ASSET)],
        None,
        None,
        dagster_instance(settings),
        {"ops": {SENTIMENT_MODEL_ASSET: {"config": config}}},
    )
    if not result.success:
        raise RuntimeError(f"sentiment training failed: {result.error} (run {result.run_id})")
    meta = result.metadata[SENTIMENT_MODEL_ASSET]
    summary = {
        "model": meta["model"],
        "version": meta["version"],
        "n": meta["rows"],
        "label_counts": meta["label_counts"],
        "holdout_accuracy": meta["holdout_accuracy"],
        "holdout_macro_f1": meta["holdout_macro_f1"],
        "ensemble_model_weight": meta["ensemble_model_weight"],
        "gate": meta["gate"],
        "run_id": result.run_id,
    }
    print(json.dumps(summary))
    return 0


def cmd_score_posts(args: argparse.Namespace) -> int:
    import polars as pl

    from tft_assets.posts import score_posts
    from tft_assets.posts.sentiment_training import load_sentiment_model
    from tft_assets.sources.archive import read_posts_file

    src, dst = Path(args.input), Path(args.output)
    if not src.exists():
        raise FileNotFoundError(f"no such file: {src}")
    suffix = dst.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"output must end in .parquet or .csv, got {dst.name!r}")
    raw = read_posts_file(src).drop("author", strict=False)  # raw author names never leave
    model = None
    if args.use_model:
        model = load_sentiment_model(_model_store(), args.model_name)
        if model is None:
            raise RuntimeError(f"no registered sentiment model named {args.model_name!r}")
    scored = score_posts(raw, _config(args, args.min_quality), model)
    scored = scored.rename({"post_id": "id"})
    dst.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        scored.write_parquet(dst)
    else:
        flat = scored.with_columns(
            pl.col("tickers").list.join(" "),
            pl.col("ticker_sentiment").cast(pl.List(pl.String)).list.join(" "),
            pl.col("mentions")
            .list.eval(
                pl.concat_str(
                    [
                        pl.element().struct.field("symbol"),
                        pl.element().struct.field("method"),
                        pl.element().struct.field("start").cast(pl.String),
                        pl.element().struct.field("end").cast(pl.String),
                    ],
                    separator=":",
                )
            )
            .list.join(" "),
        )
        flat.write_csv(dst)
    print(json.dumps({"input": src.name, "output": str(dst), "rows": scored.height}))
    return 0
