"""Tokens for ticker matching: one row per token with its character offset, and its core."""

from __future__ import annotations

import numpy as np
import polars as pl

from tft_assets.posts.lexicon import OTHER_WHITE_SPACE

MAX_TOKEN_CHARS = 40

#: Characters that separate tokens for ticker matching besides the space (Unicode
#: ``White_Space`` and punctuation), each replaced by one space so character offsets are
#: kept; a literal multi-pattern replace is much faster than a regex.
SEPARATOR_CHARS: list[str] = [*OTHER_WHITE_SPACE, *'/,;()[]{}|<>*"“”=+#~^_']
LEAD_CHARS = "\"'‘“`"
TRAIL_CHARS = ".!?:'’…-`"
POSSESSIVES = ("", "'s", "’s", "'S", "’S")


def token_frame(texts: pl.Series) -> pl.DataFrame:
    """One row per non-empty token: ``row``, ``tok`` (raw token), ``raw_start`` (char offset),
    in text order. Separators (:data:`SEPARATOR_CHARS`, ``..``) become spaces, keeping offsets.
    ``texts``: String, no nulls."""
    text = texts
    non_ascii = text.str.len_bytes() != text.str.len_chars()
    if non_ascii.any():  # emoji separate tokens too ("🚀GameStop"); one code point, one space
        at = non_ascii.arg_true()
        # ``scatter`` writes in place: on a copy, the caller's texts keep their emoji
        emoji_free = text.gather(at).str.replace_all(r"\p{Extended_Pictographic}", " ")
        text = text.clone().scatter(at, emoji_free)
    patterns = ["...", "..", "…", *SEPARATOR_CHARS]  # "XOM…It's": an ellipsis separates
    split = text.str.replace_many(
        patterns, [" " * len(x) for x in patterns], leftmost=True
    ).str.split(" ")
    lengths = split.list.len().to_numpy().astype(np.int64)  # >= 1 per text
    tok = split.explode()
    tok_chars = tok.str.len_chars().to_numpy().astype(np.int64)
    rows = np.repeat(np.arange(texts.len(), dtype=np.uint32), lengths)
    # offset of each token: running sum of (length + 1) within its text
    before = np.cumsum(tok_chars + 1) - (tok_chars + 1)
    row_first = np.cumsum(lengths) - lengths
    starts = before - np.repeat(before[row_first], lengths)
    keep = (tok_chars > 0) & (tok_chars <= MAX_TOKEN_CHARS)
    return pl.DataFrame(
        {"row": rows[keep], "tok": tok.filter(pl.Series(keep)), "raw_start": starts[keep]}
    )


def core_columns(tok: pl.Expr, raw_start: pl.Expr) -> list[pl.Expr]:
    """``core`` (token without leading quotes and trailing punctuation / possessive),
    ``start`` and ``end`` (char offsets of the core)."""
    lead_stripped = tok.str.strip_chars_start(LEAD_CHARS)
    core = (
        lead_stripped.str.strip_chars_end(TRAIL_CHARS)
        .str.strip_suffix("'s")
        .str.strip_suffix("'S")
        .str.strip_suffix("’s")
        .str.strip_suffix("’S")
    )
    start = raw_start + (tok.str.len_chars() - lead_stripped.str.len_chars()).cast(pl.Int64)
    return [
        core.alias("core"),
        start.alias("start"),
        (start + core.str.len_chars().cast(pl.Int64)).alias("end"),
    ]
