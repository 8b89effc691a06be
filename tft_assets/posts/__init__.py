"""Post intelligence: quality scoring, ticker extraction and sentiment (pure, no Dagster)."""

from tft_assets.posts.lexicon import lexicon_compound, vader_lexicon, wsb_lexicon
from tft_assets.posts.scoring import (
    EXTRA_SCORED_COLUMNS,
    SCORED_OUTPUT_SCHEMA,
    ScoringConfig,
    post_text,
    quality_histogram_png,
    score_posts,
    summarize_scored,
    texts_to_series,
)
from tft_assets.posts.sentiment import (
    LABELS,
    classification_scores,
    distant_training_set,
    score_sentiment,
    train_classifier,
)
from tft_assets.posts.tickers import extract_mentions, extract_tickers
from tft_assets.posts.universe import TickerUniverse, build_universe

__all__ = [
    "EXTRA_SCORED_COLUMNS",
    "LABELS",
    "SCORED_OUTPUT_SCHEMA",
    "ScoringConfig",
    "TickerUniverse",
    "build_universe",
    "classification_scores",
    "distant_training_set",
    "extract_mentions",
    "extract_tickers",
    "lexicon_compound",
    "post_text",
    "quality_histogram_png",
    "score_posts",
    "score_sentiment",
    "summarize_scored",
    "texts_to_series",
    "train_classifier",
    "vader_lexicon",
    "wsb_lexicon",
]
