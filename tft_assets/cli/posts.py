"""Post intelligence commands: ``eval tickers``, ``eval sentiment``, ``sentiment train``,
``score-posts``. Heavy imports happen inside the command functions."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

#: Share of a labelled file held out (seeded) to report the trained model's accuracy.
HOLDOUT_FRACTION = 0.1


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
        "sentiment", help="accuracy/macro-F1 of the sentiment ensemble (columns text, label)"
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
    import polars as pl

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    df = pl.read_csv(p, infer_schema_length=10000)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{p.name} lacks columns {missing} (has {df.columns})")
    return df


def cmd_eval_tickers(args: argparse.Namespace) -> int:
    from tft_assets.posts.evaluation import evaluate_tickers

    df = _read_csv(args.labels, ["text", "symbols"])
    cfg = _config(args)
    print(json.dumps(evaluate_tickers(df, cfg)))
    return 0


def _label_series(df, label_column: str):
    import polars as pl

    from tft_assets.posts.sentiment import normalize_labels

    col = df.get_column(label_column)
    # numeric class ids with a name column (e.g. twitter-financial-news: label + label_name)
    if col.dtype.is_integer() and "label_name" in df.columns:
        col = df.get_column("label_name")
    return normalize_labels(col.cast(pl.String) if col.dtype == pl.Categorical else col)


def cmd_eval_sentiment(args: argparse.Namespace) -> int:
    import polars as pl

    from tft_assets.posts import load_registered_sentiment_model, score_sentiment
    from tft_assets.posts.sentiment import classification_scores
    from tft_assets.settings import load_settings

    df = _read_csv(args.labels, [args.text_column, args.label_column])
    truth = _label_series(df, args.label_column)
    model = None
    if not args.no_model:
        model = load_registered_sentiment_model(
            load_settings().mlflow_tracking_uri, args.model_name
        )
    texts = df.get_column(args.text_column).cast(pl.String).fill_null("")
    pred = score_sentiment(texts, model).get_column("sentiment_label")
    result = classification_scores(truth.to_list(), pred.to_list())
    result["model"] = getattr(model, "registered_version", None) and (
        f"{args.model_name}/{model.registered_version}"
    )
    print(json.dumps(result))
    return 0


def cmd_sentiment_train(args: argparse.Namespace) -> int:
    import polars as pl

    from tft_assets.posts import register_sentiment_model, train_classifier
    from tft_assets.posts.sentiment import classification_scores, distant_training_set
    from tft_assets.settings import load_settings

    cols = [args.text_column] if args.distant else [args.text_column, args.label_column]
    df = _read_csv(args.labelled, cols)
    if args.distant:
        data = distant_training_set(df.get_column(args.text_column).cast(pl.String), seed=args.seed)
    else:
        data = pl.DataFrame(
            {
                "text": df.get_column(args.text_column).cast(pl.String).fill_null(""),
                "label": _label_series(df, args.label_column),
            }
        ).drop_nulls("label")
    if data.height < 20:
        raise ValueError(f"only {data.height} usable labelled rows; need at least 20")
    data = data.sample(fraction=1.0, shuffle=True, seed=args.seed)
    n_hold = max(1, int(data.height * HOLDOUT_FRACTION))
    hold, train = data.head(n_hold), data.tail(data.height - n_hold)
    mask = bool(args.distant)  # a distant model masks its markers at inference too
    model = train_classifier(
        train["text"].to_list(), train["label"].to_list(), seed=args.seed, mask=mask
    )
    holdout = classification_scores(
        hold["label"].to_list(), [str(x) for x in model.predict(hold["text"].to_list())]
    )
    final = train_classifier(
        data["text"].to_list(), data["label"].to_list(), seed=args.seed, mask=mask
    )
    settings = load_settings()
    counts = dict(data.group_by("label").len().iter_rows())
    registered = register_sentiment_model(
        final,
        settings.mlflow_tracking_uri,
        settings.data_dir / "mlartifacts",
        params={
            "source_file": Path(args.labelled).name,
            "distant_supervision": args.distant,
            "n_rows": data.height,
            "seed": args.seed,
            **{f"n_{k}": v for k, v in counts.items()},
        },
        metrics={"holdout_accuracy": holdout["accuracy"], "holdout_macro_f1": holdout["macro_f1"]},
        name=args.model_name,
    )
    print(
        json.dumps(
            {
                "model": registered.registered_name,
                "version": registered.registered_version,
                "n": data.height,
                "label_counts": counts,
                "holdout_accuracy": holdout["accuracy"],
                "holdout_macro_f1": holdout["macro_f1"],
            }
        )
    )
    return 0


def cmd_score_posts(args: argparse.Namespace) -> int:
    import polars as pl

    from tft_assets.posts import load_registered_sentiment_model, score_posts
    from tft_assets.settings import load_settings
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
        model = load_registered_sentiment_model(
            load_settings().mlflow_tracking_uri, args.model_name
        )
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
