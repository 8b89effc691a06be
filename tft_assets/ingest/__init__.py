"""Ingestion: validation with quarantine, de-duplication, author hashing, partition split."""

from tft_assets.ingest.posts import MAX_TEXT_CHARS, canonical_url_expr, ingest_posts
from tft_assets.ingest.prices import ingest_prices
from tft_assets.ingest.privacy import DEV_AUTHOR_SALT, hash_authors
from tft_assets.ingest.results import IngestResult

__all__ = [
    "DEV_AUTHOR_SALT",
    "MAX_TEXT_CHARS",
    "IngestResult",
    "canonical_url_expr",
    "hash_authors",
    "ingest_posts",
    "ingest_prices",
]
