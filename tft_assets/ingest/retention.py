"""Retention of personal data: raw posts (text, author hashes) are kept for a limited window.

Derived assets keep no personal data (``scored_posts`` has ids, scores, tickers and sentiment;
``feature_lineage`` has post ids), so only ``raw_posts`` and its quarantine expire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

RETAINED_ASSETS = ("raw_posts",)


def expired_partitions(keys: Iterable[str], today: dt.date, retention_days: int) -> list[str]:
    """Partition keys (``YYYY-MM-DD``) strictly older than ``today - retention_days``, sorted."""
    if retention_days < 1:
        raise ValueError(f"retention_days must be >= 1, got {retention_days}")
    cutoff = (today - dt.timedelta(days=retention_days)).isoformat()
    return sorted(k for k in keys if k < cutoff)
