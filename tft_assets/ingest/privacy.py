"""Authors are stored only as keyed hashes: HMAC-SHA256(salt, author), hex encoded.

A keyed hash (unlike a bare SHA-256) cannot be reversed by hashing a list of known user names
without the salt. The salt comes from ``TFT_AUTHOR_SALT``; :data:`DEV_AUTHOR_SALT` is a public
development default and callers warn when they fall back to it.
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl

DEV_AUTHOR_SALT = "tft-trader-dev-salt-not-secret"
_UNKNOWN_AUTHORS = {"", "[deleted]", "[removed]", "automoderator"}


def hmac_hex(salt: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` keyed by ``salt``, as 64 hex characters."""
    return hmac.new(
        salt.encode(), value.encode("utf-8", "surrogatepass"), hashlib.sha256
    ).hexdigest()


def hash_authors(authors: pl.Series, salt: str) -> pl.Series:
    """Map raw author names to keyed hashes; unknown/deleted authors become null.

    Hashes each distinct name once (authors repeat heavily), so cost scales with distinct names.
    """
    if not salt:
        raise ValueError("author salt must be a non-empty string")
    names = authors.cast(pl.String)
    distinct = names.drop_nulls().unique()
    keep = [n for n in distinct.to_list() if n.strip().lower() not in _UNKNOWN_AUTHORS]
    mapping = pl.DataFrame(
        {"_name": keep, "_hash": [hmac_hex(salt, n) for n in keep]},
        schema={"_name": pl.String, "_hash": pl.String},
    )
    return (
        pl.DataFrame({"_name": names})
        .join(mapping, on="_name", how="left", maintain_order="left")
        .get_column("_hash")
        .alias("author_hash")
    )
