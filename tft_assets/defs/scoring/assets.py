"""``scored_posts``: quality, tickers and sentiment for every raw post (low quality kept, flagged)."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from tft_assets.defs.metadata import counts_json, md_table, png_markdown
from tft_assets.defs.partitions import daily_asset_options
from tft_assets.defs.resources import SentimentModelResource
from tft_assets.defs.scoring import checks
from tft_assets.posts import ScoringConfig, quality_histogram_png, score_posts, summarize_scored

POSTS_GROUP = "posts"
OWNERS = ["team:nlp"]


class PostScoringConfig(dg.Config):
    min_quality: float | None = Field(
        default=None,
        description="quality score (0-100) from which a post is a quality post (default: TFT_MIN_QUALITY)",
    )


def build_posts_assets(
    partitions: dg.PartitionsDefinition,
    min_quality: float,
    watchlist: tuple[str, ...],
    universe_files: tuple[str, ...] = (),
    bundled_listings: bool = True,
) -> list:
    @dg.asset(
        **daily_asset_options(partitions, POSTS_GROUP, OWNERS, "silver", "posts"),
        check_specs=checks.SCORED_POSTS_CHECKS,
        automation_condition=dg.AutomationCondition.eager(),
        description="One row per raw post: four quality dimensions, score 0-100 and tier, tickers "
        "with method and span per mention, lexicon/VADER/model sentiment and its ensemble.",
    )
    def scored_posts(
        context: dg.AssetExecutionContext,
        config: PostScoringConfig,
        sentiment_model: SentimentModelResource,
        raw_posts: dict,
    ) -> Iterator[dg.Output | dg.AssetCheckResult]:
        keys = list(context.partition_keys)
        cfg = ScoringConfig(
            min_quality=min_quality if config.min_quality is None else config.min_quality,
            watchlist=watchlist,
            universe_files=universe_files,
            include_package_universe=bundled_listings,
        )
        # partitions that share the listing files in force on their day are scored together
        groups: dict[tuple[str, ...], list[str]] = {}
        for k in keys:
            day = replace(cfg, as_of=date.fromisoformat(k))
            groups.setdefault(day.listing_files(), []).append(k)
        model = sentiment_model.load()
        parts = [
            _score_keys(raw_posts, group, replace(cfg, as_of=date.fromisoformat(group[-1])), model)
            for group in groups.values()
        ]
        scored = pl.concat(parts, how="vertical_relaxed") if len(parts) > 1 else parts[0]
        by_key = {
            k[0]: g.drop("_partition")
            for k, g in scored.partition_by("_partition", as_dict=True).items()
        }
        empty = scored.drop("_partition").clear()
        out = {k: by_key.get(k, empty) for k in keys}
        summary = summarize_scored(scored)
        meta = {
            "row_count": dg.MetadataValue.int(scored.height),
            "tier_distribution": counts_json(summary["tier_distribution"]),
            "mean_sentiment_per_tier": counts_json(summary["mean_sentiment_per_tier"]),
            "top_tickers_quality_posts": md_table(
                pl.DataFrame(
                    summary["top_tickers"], schema={"symbol": pl.String, "mentions": pl.Int64}
                )
            ),
            "ticker_found_rate": summary["ticker_found_rate"],
            "mean_quality": summary["mean_quality"],
            "sentiment_model_version": scored.get_column("sentiment_model_version").first()
            if scored.height
            else "n/a",
            # which listing files named the tickers, per range of partitions
            "ticker_listing_files": dg.MetadataValue.json(
                {f"{g[0]}..{g[-1]}": [Path(f).name for f in files] for files, g in groups.items()}
            ),
        }
        if scored.height:
            meta["quality_histogram"] = png_markdown(
                quality_histogram_png(scored), "quality histogram"
            )
        yield dg.Output(out, metadata=meta)
        yield from checks.scored_posts_checks(out, summary)

    return [scored_posts]


def _score_keys(raw_posts: dict, keys: list[str], cfg: ScoringConfig, model) -> pl.DataFrame:
    """Score the raw posts of ``keys`` together; ``_partition`` says which key a row is from."""
    frames = [raw_posts.get(k, pl.DataFrame()) for k in keys]
    labels = pl.Series(
        "_partition",
        [k for k, f in zip(keys, frames, strict=True) for _ in range(f.height)],
        dtype=pl.String,
    )
    raw = (
        pl.concat([f for f in frames if f.width], how="diagonal_relaxed")
        if any(f.width for f in frames)
        else pl.DataFrame()
    )
    return score_posts(raw, cfg, model).with_columns(labels)
