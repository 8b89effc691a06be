"""``tft-trader quality-report --days N``: post-quality analytics of the last N scored partitions."""

from __future__ import annotations

import argparse
import json

#: Why these counts differ from the ``mention_count`` feature.
MENTIONS_NOTE = (
    "mentions here count quality posts per calendar day (America/New_York, the scored_posts "
    "partitions); the mention_count feature of session D counts posts from the previous "
    "session's 16:00 close to D's 16:00 close (the information cutoff), so the two differ"
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "quality-report", help="tier distribution, sentiment and top tickers of recent scored_posts"
    )
    p.add_argument(
        "--days", type=int, default=7, help="number of most recent partitions (default 7)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import polars as pl

    from tft_assets.lake.storage import list_partitions, read_partitions
    from tft_assets.posts.scoring import SUMMARY_COLUMNS, summarize_scored
    from tft_assets.settings import load_settings

    if args.days < 1:
        raise ValueError("--days must be >= 1")
    lake = load_settings().lake_url
    keys = list_partitions(lake, "scored_posts")[-args.days :]
    if not keys:
        raise FileNotFoundError(
            f"no scored_posts partitions in {lake} (materialise them first, e.g. `tft-trader demo`)"
        )
    frame = read_partitions(lake, "scored_posts", keys, columns=SUMMARY_COLUMNS)
    summary = {
        "partitions": [keys[0], keys[-1]],
        "n_partitions": len(keys),
        **summarize_scored(frame),
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    print(
        f"scored_posts {keys[0]} .. {keys[-1]} ({len(keys)} partitions, {summary['n_posts']:,} posts)"
    )
    print(
        f"mean quality {summary['mean_quality']}, quality share {summary['quality_share']}, "
        f"ticker found rate {summary['ticker_found_rate']}, sentiment coverage {summary['sentiment_share']}"
    )
    tiers = pl.DataFrame(
        {
            "tier": list(summary["tier_distribution"]),
            "posts": list(summary["tier_distribution"].values()),
            "mean_sentiment": [
                summary["mean_sentiment_per_tier"][t] for t in summary["tier_distribution"]
            ],
        }
    )
    print(tiers)
    if summary["top_tickers"]:
        print(pl.DataFrame(summary["top_tickers"]).rename({"mentions": "mentions (quality posts)"}))
        print(MENTIONS_NOTE)
    return 0
