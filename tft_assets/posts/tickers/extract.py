"""Ticker mentions of texts: candidates, evidence, one mention per span."""

from __future__ import annotations

import polars as pl

from tft_assets.posts.tickers.candidates import candidate_tokens, mention_candidates
from tft_assets.posts.tickers.evidence import (
    WEIGHTS,
    EvidenceWeights,
    in_play_symbols,
    lift_in_play,
    lift_list_mates,
    score_candidates,
)
from tft_assets.posts.tickers.tables import tables
from tft_assets.posts.tickers.tokens import token_frame
from tft_assets.posts.universe import TickerUniverse

MENTION_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "symbol": pl.String(),
    "method": pl.String(),
    "start": pl.Int64(),
    "end": pl.Int64(),
}
_METHOD_RANK = {"cashtag": 0, "symbol": 1, "name": 2}


def extract_mentions(
    texts: pl.Series,
    universe: TickerUniverse,
    focus_symbols: frozenset[str] = frozenset(),
    in_play: frozenset[str] | None = None,
) -> pl.DataFrame:
    """Ticker mentions in each text.

    ``texts``: String series of n texts. Returns a frame with :data:`MENTION_SCHEMA`
    (``row`` = index into ``texts``), one row per accepted mention, sorted by (row, start).
    Only candidate tokens (with an upper-case letter or ``$``, or containing a lower-case
    symbol/alias word) go through the rules. ``in_play``: the symbols in play
    (:func:`~tft_assets.posts.tickers.evidence.lift_in_play`); ``None``: those accepted in
    some text of ``texts`` (:func:`scored_candidates`), so a text's mentions depend on which
    texts are scored with it, never on their order.
    """
    scored = scored_candidates(texts, universe, focus_symbols)
    if scored is None:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    return accepted_mentions(scored, texts, universe, focus_symbols, in_play)


def scored_candidates(
    texts: pl.Series,
    universe: TickerUniverse,
    focus_symbols: frozenset[str] = frozenset(),
) -> pl.DataFrame | None:
    """Every candidate mention of ``texts`` with its evidence score
    (:func:`~tft_assets.posts.tickers.evidence.score_candidates`), before any symbol in play
    lifts it; ``None`` when there are none. Its accepted symbols
    (:func:`~tft_assets.posts.tickers.evidence.in_play_symbols`) are those in play."""
    if texts.len() == 0:
        return None
    texts = texts.cast(pl.String).fill_null("")  # the helpers below take texts this way
    tab = tables(universe, frozenset(focus_symbols))
    every = token_frame(texts)
    if every.height == 0:
        return None
    t = candidate_tokens(every, tab)
    if t is None:
        return None
    m = mention_candidates(t, texts, tab)
    if m.height == 0:
        return None
    return score_candidates(m, texts, tab)


def accepted_mentions(
    scored: pl.DataFrame,
    texts: pl.Series,
    universe: TickerUniverse,
    focus_symbols: frozenset[str] = frozenset(),
    in_play: frozenset[str] | None = None,
) -> pl.DataFrame:
    """The mentions (:data:`MENTION_SCHEMA`) of the candidates ``scored``
    (:func:`scored_candidates` of ``texts``) once the symbols ``in_play`` lifted theirs
    (``None``: those accepted among ``scored``), one per span."""
    texts = texts.cast(pl.String).fill_null("")
    tab = tables(universe, frozenset(focus_symbols))
    symbols = (
        in_play_symbols(scored) if in_play is None else pl.Series(sorted(in_play), dtype=pl.String)
    )
    m = lift_list_mates(lift_in_play(scored, texts, tab, symbols), texts, tab)
    return _one_per_span(
        m.filter(pl.col("accepted")).select("row", "symbol", "method", "start", "end", "core")
    )


def mention_evidence(
    texts: pl.Series,
    universe: TickerUniverse,
    focus_symbols: frozenset[str] = frozenset(),
    weights: EvidenceWeights = WEIGHTS,
) -> pl.DataFrame:
    """Every candidate mention of ``texts`` with every component of its evidence score
    (:func:`~tft_assets.posts.tickers.evidence.score_candidates` with ``complete``): ``row``,
    ``symbol``, ``method``, ``form``, ``start``, ``end``, the points per component, ``score``
    and ``accepted``. For inspecting and calibrating the score; :func:`extract_mentions` is
    the accepted ones, one per span."""
    texts = texts.cast(pl.String).fill_null("")
    tab = tables(universe, frozenset(focus_symbols))
    every = token_frame(texts)
    t = candidate_tokens(every, tab) if every.height else None
    if t is None:
        return pl.DataFrame(schema={**MENTION_SCHEMA, "form": pl.String(), "score": pl.Float64()})
    m = score_candidates(mention_candidates(t, texts, tab), texts, tab, weights, complete=True)
    m = lift_in_play(m, texts, tab, in_play_symbols(m), weights)
    m = lift_list_mates(m, texts, tab, weights)
    return m.drop("core", "_prev", "_next")


def _one_per_span(m: pl.DataFrame) -> pl.DataFrame:
    """One mention per span, in text order: the longest of those starting together (a company
    name of several words claims its words: "TD Ameritrade", not "TD"), then a cashtag before a
    symbol before a name; a mention starting inside a longer one's span goes."""
    key = (pl.col("row").cast(pl.Int64) * (1 << 32) + pl.col("start")).alias("_key")
    m = m.with_columns(key)
    dup = m.get_column("_key").is_duplicated()
    if dup.any():
        ties = (
            m.filter(dup)
            .with_columns(
                pl.col("method").replace_strict(_METHOD_RANK, return_dtype=pl.Int8).alias("_rank")
            )
            .sort(["_key", "end", "_rank"], descending=[False, True, False])
            .unique(subset=["_key"], keep="first", maintain_order=True)
            .drop("_rank")
        )
        m = pl.concat([m.filter(~dup), ties], how="vertical")
    m = m.sort("_key")
    long = m.get_column("end") - m.get_column("start") > m.get_column("core").str.len_chars()
    if long.any():  # a mention inside a longer one's span goes
        rows = m.filter(long).get_column("row").unique()
        near = m.get_column("row").is_in(rows.implode())
        inside = m.filter(near).select(
            (pl.col("start") < pl.col("end").shift(1).cum_max().over("row")).fill_null(False)
        )
        covered = pl.repeat(False, m.height, eager=True).scatter(
            near.arg_true(), inside.to_series()
        )
        m = m.filter(~covered)
    return m.select(
        pl.col("row").cast(pl.UInt32),
        "symbol",
        "method",
        pl.col("start").cast(pl.Int64),
        pl.col("end").cast(pl.Int64),
    )


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
    in_play: frozenset[str] | None = None,
) -> pl.DataFrame:
    """Per text: ``tickers`` (list of symbols) and ``mentions`` (list of structs);
    ``in_play`` as in :func:`extract_mentions`."""
    m = extract_mentions(texts, universe, focus_symbols, in_play)
    return mentions_per_row(m, texts.len()).drop("row")
