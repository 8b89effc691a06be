"""Ticker extraction: cashtags, bare symbols, share classes and company names, with spans.

Rules (applied to every token of a text at once, as Polars expressions):

* ``cashtag`` — ``$GME``, ``$gme``, ``$BRK.B``: counts whenever the symbol is in the universe.
* ``symbol`` — a bare upper-case token (``GME``, ``BRK.B``, ``BF-B``) in the universe and not
  in :data:`~tft_assets.posts.universe.BLACKLIST`. An *ambiguous* symbol (one or two letters,
  or an English word such as ``OPEN``) also needs stock context (keywords, ``$40c``, ``calls``,
  ``shares`` ...) within ±:data:`CONTEXT_WINDOW_CHARS` characters, and is rejected outright in
  shouted (mostly upper-case) text unless the symbol is in the focus set. A lower- or
  title-case token (``gme``, ``Expr``) counts only for symbols of the focus set (watchlist and
  demo universe) that are not English words; two-letter ones (``bb``) also need context.
  Another confident ticker within the window counts as context (lists like "GME, NOK, BB").
* ``name`` — a company name or alias (``GameStop``, ``BlackBerry``, ``General Motors``),
  one or two tokens, any case.

Spans are character offsets ``[start, end)`` into the text given (code points, as Python
indexes strings).
"""

from __future__ import annotations

import polars as pl

from tft_assets.posts.universe import BLACKLIST, STOCK_CONTEXT_PATTERN, TickerUniverse

CONTEXT_WINDOW_CHARS = 50
SINGLE_LETTER_WINDOW_CHARS = 15
SHOUTING_UPPER_SHARE = 0.6
MAX_TOKEN_CHARS = 40

#: Characters that separate tokens for ticker matching (each is replaced by one space, so
#: character offsets are preserved).
_SEPARATORS = r"[\s/,;()\[\]{}|<>*\"“”=+#~^_]"
_LEAD = r"^[\"'‘“`]+"
_TRAIL = r"(?:['’][sS])?[.!?:'’…\-`]*$"

MENTION_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "symbol": pl.String(),
    "method": pl.String(),
    "start": pl.Int64(),
    "end": pl.Int64(),
}
_METHOD_RANK = {"cashtag": 0, "symbol": 1, "name": 2}


def _token_frame(texts: pl.Series) -> pl.DataFrame:
    """One row per token: ``row``, ``tok`` (core token), ``start``, ``end`` (char offsets)."""
    df = pl.DataFrame({"text": texts.cast(pl.String).fill_null("")}).with_row_index("row")
    toks = df.select(
        "row",
        pl.col("text")
        .str.replace_all(_SEPARATORS, " ")
        .str.replace_all("...", "   ", literal=True)
        .str.replace_all("..", "  ", literal=True)
        .str.split(" ")
        .alias("tok"),
    ).with_columns(
        pl.col("tok").list.eval((pl.element().str.len_chars() + 1).cum_sum()).alias("after"),
    )
    t = toks.explode(["tok", "after"]).filter(
        (pl.col("tok").str.len_bytes() > 0) & (pl.col("tok").str.len_chars() <= MAX_TOKEN_CHARS)
    )
    lead_stripped = pl.col("tok").str.replace(_LEAD, "")
    core = lead_stripped.str.replace(_TRAIL, "")
    t = t.with_columns(
        (pl.col("after") - 1 - pl.col("tok").str.len_chars()).cast(pl.Int64).alias("raw_start"),
        (pl.col("tok").str.len_chars() - lead_stripped.str.len_chars())
        .cast(pl.Int64)
        .alias("lead"),
        core.alias("core"),
    )
    t = t.with_columns(
        (pl.col("raw_start") + pl.col("lead")).alias("start"),
    ).with_columns((pl.col("start") + pl.col("core").str.len_chars()).alias("end"))
    return t.select("row", "core", "start", "end")


def extract_mentions(
    texts: pl.Series,
    universe: TickerUniverse,
    focus_symbols: frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """Ticker mentions in each text.

    ``texts``: String series of n texts. Returns a frame with :data:`MENTION_SCHEMA`
    (``row`` = index into ``texts``), one row per accepted mention, sorted by (row, start).
    """
    if texts.len() == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    t = _token_frame(texts)
    t = t.with_columns(
        pl.col("core").shift(-1).alias("next_core"),
        (pl.col("row").shift(-1) == pl.col("row")).fill_null(False).alias("has_next"),
        pl.col("end").shift(-1).alias("next_end"),
    )
    symbols = pl.Series(sorted(universe.symbols), dtype=pl.String)
    focus_lower = [s.lower() for s in sorted(focus_symbols | frozenset()) if s in universe.symbols]
    common = list(universe.common_words)
    blacklist = list(BLACKLIST)
    alias_single = {a: s for a, s in universe.aliases.items() if " " not in a}
    alias_double = {a: s for a, s in universe.aliases.items() if a.count(" ") == 1}

    core = pl.col("core")
    cash_sym = core.str.slice(1).str.to_uppercase().str.replace("-", ".", literal=True)
    is_cash = core.str.contains(r"^\$[A-Za-z]{1,5}(?:[.\-][A-Za-z]{1,2})?$")
    is_upper = core.str.contains(r"^[A-Z]{1,5}(?:[.\-][A-Z]{1,2})?$")
    up_sym = core.str.replace("-", ".", literal=True)
    lw = core.str.to_lowercase()
    # ``gme``, ``Gme``, ``bb``: focus symbols written in lower/title case
    is_lower = core.str.contains(r"^[A-Za-z][a-z]{1,4}$") & lw.is_in(focus_lower)

    cands = []
    cash = t.filter(is_cash).with_columns(
        cash_sym.alias("symbol"),
        pl.lit("cashtag").alias("method"),
        pl.lit(False).alias("needs_ctx"),
    )
    cands.append(cash.filter(pl.col("symbol").is_in(symbols)))
    up = t.filter(is_upper).with_columns(up_sym.alias("symbol"), pl.lit("symbol").alias("method"))
    up = up.filter(pl.col("symbol").is_in(symbols) & ~pl.col("symbol").is_in(blacklist))
    up = up.with_columns(
        (
            (pl.col("symbol").str.len_chars() <= 2)
            | pl.col("symbol").str.to_lowercase().is_in(common)
        ).alias("needs_ctx")
    )
    cands.append(up)
    low = t.filter(is_lower & ~lw.is_in(common)).with_columns(
        core.str.to_uppercase().alias("symbol"),
        pl.lit("symbol").alias("method"),
        (core.str.len_chars() <= 2).alias("needs_ctx"),
    )
    cands.append(low)
    if alias_single:
        single = t.filter(lw.is_in(list(alias_single))).with_columns(
            lw.replace_strict(alias_single, default=None).alias("symbol"),
            pl.lit("name").alias("method"),
            pl.lit(False).alias("needs_ctx"),
        )
        cands.append(single)
    if alias_double:
        bigram = pl.concat_str([lw, pl.col("next_core").str.to_lowercase()], separator=" ")
        double = t.filter(pl.col("has_next") & bigram.is_in(list(alias_double))).with_columns(
            bigram.replace_strict(alias_double, default=None).alias("symbol"),
            pl.lit("name").alias("method"),
            pl.lit(False).alias("needs_ctx"),
            pl.col("next_end").alias("end"),
        )
        cands.append(double)
    cols = ["row", "symbol", "method", "start", "end", "needs_ctx", "core"]
    m = pl.concat([c.select(cols) for c in cands], how="vertical")
    if m.height == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    m = _apply_context(m, texts, frozenset(focus_symbols))
    m = (
        m.with_columns(
            pl.col("method").replace_strict(_METHOD_RANK, return_dtype=pl.Int8).alias("rank")
        )
        .sort(["row", "start", "rank", "end"], descending=[False, False, False, True])
        .unique(subset=["row", "start"], keep="first", maintain_order=True)
    )
    return m.select(
        pl.col("row").cast(pl.UInt32),
        "symbol",
        "method",
        pl.col("start").cast(pl.Int64),
        pl.col("end").cast(pl.Int64),
    )


def _apply_context(m: pl.DataFrame, texts: pl.Series, focus: frozenset[str]) -> pl.DataFrame:
    """Keep ambiguous mentions only with evidence, and distrust shouted text.

    Evidence for an ambiguous mention: stock context (:data:`STOCK_CONTEXT_PATTERN`) within
    ±:data:`CONTEXT_WINDOW_CHARS` characters (±:data:`SINGLE_LETTER_WINDOW_CHARS` for a
    one-letter symbol), or a confident mention of another ticker in that window. In shouted
    text (mostly upper case) a bare upper-case symbol outside the focus set is dropped.
    """
    shout = (
        pl.DataFrame({"t": texts.cast(pl.String).fill_null("")})
        .with_row_index("row")
        .select(
            "row",
            (
                pl.col("t").str.count_matches(r"[A-Z]")
                > SHOUTING_UPPER_SHARE
                * (
                    pl.col("t").str.count_matches(r"[A-Z]")
                    + pl.col("t").str.count_matches(r"[a-z]")
                )
            ).alias("shouting"),
        )
    )
    m = m.join(shout, on="row", how="left")
    m = m.filter(
        ~(
            pl.col("shouting")
            & (pl.col("method") == "symbol")
            & pl.col("core").str.contains(r"^[A-Z]")
            & ~pl.col("symbol").is_in(list(focus))
        )
    ).drop("shouting")
    need = m.filter(pl.col("needs_ctx"))
    if need.height == 0:
        return m
    sure = m.filter(~pl.col("needs_ctx"))
    width = (
        pl.when(pl.col("symbol").str.len_chars() == 1)
        .then(SINGLE_LETTER_WINDOW_CHARS)
        .otherwise(CONTEXT_WINDOW_CHARS)
    )
    need = need.with_columns(width.alias("_w")).with_row_index("_i")
    rows = need.get_column("row")
    txt = texts.cast(pl.String).fill_null("").gather(rows)
    win_start = (need.get_column("start") - need.get_column("_w")).clip(0, None)
    win_len = need.get_column("end") + need.get_column("_w") - win_start
    window = pl.DataFrame({"t": txt, "s": win_start, "n": win_len}).select(
        pl.col("t").str.slice(pl.col("s"), pl.col("n")).alias("w")
    )
    context = window.get_column("w").str.contains(STOCK_CONTEXT_PATTERN)
    # another confident ticker nearby (lists such as "GME, NOK, BB")
    near = (
        need.select("_i", "row", "start", "_w")
        .sort("row", "start")
        .join_asof(
            sure.select("row", pl.col("start").alias("sure_start")).sort("row", "sure_start"),
            left_on="start",
            right_on="sure_start",
            by="row",
            strategy="nearest",
            check_sortedness=False,
        )
        .with_columns(
            ((pl.col("sure_start") - pl.col("start")).abs() <= pl.col("_w"))
            .fill_null(False)
            .alias("near")
        )
        .sort("_i")
        .get_column("near")
    )
    need = need.filter(context | near).drop("_w", "_i")
    return pl.concat([sure, need], how="vertical")


def mentions_per_row(mentions: pl.DataFrame, n_rows: int) -> pl.DataFrame:
    """Aggregate mentions to one row per text: ``tickers`` (distinct, in order of first
    mention) and ``mentions`` (list of structs symbol/method/start/end). ``n_rows`` rows."""
    agg = mentions.group_by("row", maintain_order=True).agg(
        pl.col("symbol").unique(maintain_order=True).alias("tickers"),
        pl.struct("symbol", "method", "start", "end").alias("mentions"),
    )
    base = pl.DataFrame({"row": pl.arange(0, n_rows, eager=True).cast(pl.UInt32)})
    out = base.join(agg, on="row", how="left", maintain_order="left")
    mention_dtype = pl.List(
        pl.Struct({"symbol": pl.String, "method": pl.String, "start": pl.Int64, "end": pl.Int64})
    )
    return out.with_columns(
        pl.col("tickers").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("mentions").cast(mention_dtype).fill_null(pl.lit([], dtype=mention_dtype)),
    )


def extract_tickers(
    texts: pl.Series,
    universe: TickerUniverse,
    focus_symbols: frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """Per text: ``tickers`` (list of symbols) and ``mentions`` (list of structs)."""
    m = extract_mentions(texts, universe, focus_symbols)
    return mentions_per_row(m, texts.len()).drop("row")
