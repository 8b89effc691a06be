"""Data sources: one interface for posts, one for prices, several implementations each."""

from tft_assets.sources.base import Fetched, PostsSource, PricesSource

__all__ = ["Fetched", "PostsSource", "PricesSource"]
