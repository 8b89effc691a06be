"""``score_posts``: raw posts -> quality, tickers and sentiment, one row per post.

Pure and deterministic: the same frame and config give the same output, whatever its row
order or chunking: the ticker symbols in play (:func:`~tft_assets.posts.tickers.extract_mentions`)
are those of the whole frame, gathered from every chunk before any is finished. Work is chunked
(:attr:`ScoringConfig.chunk_rows`) so memory stays bounded on large partitions; every chunk is
processed with vectorised Polars/NumPy code, and frames of at least
:data:`PARALLEL_MIN_ROWS` rows are cut into at least :data:`SCORING_THREADS` chunks that are
scored side by side in threads (Polars and NumPy release the GIL while they compute), so a
small partition pays no start-up cost and a large one uses the cores.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import polars as pl

from tft_assets.posts.lexicon import score_lexicons, sentence_index
from tft_assets.posts.quality import DELETED_MARKERS, TIER_ORDER, add_quality_columns, tier_expr
from tft_assets.posts.sentiment import ensemble, model_version, scoring_lexicons
from tft_assets.posts.tickers import (
    MENTION_SCHEMA,
    accepted_mentions,
    in_play_symbols,
    mentions_per_row,
    scored_candidates,
)
from tft_assets.posts.universe import (
    TickerUniverse,
    build_universe,
    curated_listings,
    listing_files_as_of,
    normalize_symbol,
)
from tft_assets.schemas import RAW_POSTS_SCHEMA, SCORED_POSTS_SCHEMA, conform, ground_truth_columns

DEFAULT_MIN_QUALITY = 30.0
DEFAULT_CHUNK_ROWS = 100_000
#: Frames at least this long are scored in (at least) ``SCORING_THREADS`` chunks at once.
PARALLEL_MIN_ROWS = 5_000
SCORING_THREADS = 2

QUALITY_DIMENSIONS = ("quality_engagement", "quality_content", "quality_vote_ratio", "quality_spam")

#: Columns after the ``SCORED_POSTS_SCHEMA`` ones, in order.
EXTRA_SCORED_COLUMNS: tuple[str, ...] = (
    *QUALITY_DIMENSIONS,
    "quality_degraded",
    "is_brigaded",
    "mentions",
    "sentiment_vader",
    "sentiment_lexicon",
    "sentiment_stance",
    "sentiment_model",
    "sentiment_label",
    "sentiment_model_version",
)


@dataclass(frozen=True)
class ScoringConfig:
    """Knobs of :func:`score_posts`.

    ``min_quality``: ``is_quality`` threshold on the 0-100 score; ``watchlist``: extra valid
    symbols (also allowed in lower case); ``universe_files``: listing files adding symbols
    and names (:func:`~tft_assets.posts.universe.read_listing_file`; their names win), plain
    paths or dated snapshots ``DATE=PATH``, of which the latest on or before ``as_of`` (the
    posts' day; ``None``: the latest) is used (:func:`~tft_assets.posts.universe.listing_files_as_of`);
    ``include_package_universe`` / ``include_demo_universe``: use the bundled listing packages /
    the curated WSB-favourite listings (:mod:`tft_assets.reference.wsb_listings`);
    ``chunk_rows``: posts per chunk.
    """

    min_quality: float = DEFAULT_MIN_QUALITY
    watchlist: tuple[str, ...] = ()
    universe_files: tuple[str, ...] = ()
    include_package_universe: bool = True
    include_demo_universe: bool = True
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    as_of: date | None = None

    def listing_files(self) -> tuple[str, ...]:
        """The listing files in force on ``as_of``."""
        return listing_files_as_of(tuple(self.universe_files), self.as_of)

    def universe(self) -> TickerUniverse:
        return build_universe(
            tuple(self.watchlist),
            self.listing_files(),
            self.include_package_universe,
            self.include_demo_universe,
        )

    def focus_symbols(self) -> frozenset[str]:
        """Symbols also accepted in lower case: the watchlist and the curated WSB listings."""
        focus = {normalize_symbol(s) for s in self.watchlist}
        if self.include_demo_universe:
            focus |= {s for s, _, _ in curated_listings()}
        return frozenset(focus)


def post_text() -> pl.Expr:
    """``title`` and ``body`` joined by a newline (nulls and deleted/removed bodies dropped)."""
    body = pl.col("body")
    body = pl.when(body.str.strip_chars().is_in(list(DELETED_MARKERS))).then(None).otherwise(body)
    return pl.concat_str([pl.col("title"), body], separator="\n", ignore_nulls=True).fill_null("")


def texts_to_series(texts: list[str | None]) -> pl.Series:
    """A String series from Python strings, replacing lone surrogates (invalid UTF-8) by U+FFFD."""
    clean = [
        None if t is None else t.encode("utf-8", "replace").decode("utf-8", "replace")
        for t in texts
    ]
    return pl.Series("text", clean, dtype=pl.String)


def score_posts(
    raw: pl.DataFrame,
    config: ScoringConfig | None = None,
    sentiment_model: object | None = None,
) -> pl.DataFrame:
    """Score raw posts (rows of ``RAW_POSTS_SCHEMA``; missing columns are treated as null).

    Returns one row per input row, in input order: the ``SCORED_POSTS_SCHEMA`` columns first,
    then :data:`EXTRA_SCORED_COLUMNS`, then any ``gt_*`` columns passed through unchanged.
    """
    cfg = config or ScoringConfig()
    if cfg.chunk_rows < 1:
        raise ValueError("chunk_rows must be >= 1")
    if raw.height == 0:
        return _empty_scored(raw)
    universe = cfg.universe()
    focus = cfg.focus_symbols()
    frame = conform(raw, RAW_POSTS_SCHEMA, keep_ground_truth=True)
    n_chunks = -(-frame.height // cfg.chunk_rows)
    if frame.height >= PARALLEL_MIN_ROWS:
        n_chunks = max(n_chunks, SCORING_THREADS)
    size = -(-frame.height // n_chunks)
    chunks = [frame.slice(off, size) for off in range(0, frame.height, size)]

    def candidates(chunk: pl.DataFrame) -> _Candidates:
        return _chunk_candidates(chunk, universe, focus)

    def score(chunk: pl.DataFrame, found: _Candidates, in_play: frozenset[str]) -> pl.DataFrame:
        return _score_chunk(chunk, cfg, universe, focus, sentiment_model, found, in_play)

    if len(chunks) == 1:
        found = candidates(chunks[0])
        return score(chunks[0], found, found.in_play())
    # one row first, in this thread, so the cached look-up tables (ticker tables, lexicon
    # frames) are built once rather than by every thread at the same time
    head = chunks[0].head(1)
    score(head, candidates(head), frozenset())
    # Chunks are scored side by side: Polars and NumPy release the GIL while they work. The
    # symbols in play are the whole frame's, so every chunk's candidates come first.
    with ThreadPoolExecutor(max_workers=SCORING_THREADS) as pool:
        found_all = list(pool.map(candidates, chunks))
        in_play = frozenset().union(*(f.in_play() for f in found_all))
        parts = list(pool.map(lambda c, f: score(c, f, in_play), chunks, found_all))
    return pl.concat(parts, how="vertical")


def _output_schema() -> dict[str, pl.DataType]:
    mention = pl.Struct(
        {"symbol": pl.String, "method": pl.String, "start": pl.Int64, "end": pl.Int64}
    )
    extra: dict[str, pl.DataType] = {c: pl.Float64() for c in QUALITY_DIMENSIONS}
    extra.update(
        {
            "quality_degraded": pl.Boolean(),
            "is_brigaded": pl.Boolean(),
            "mentions": pl.List(mention),
            "sentiment_vader": pl.Float64(),
            "sentiment_lexicon": pl.Float64(),
            "sentiment_stance": pl.Float64(),
            "sentiment_model": pl.Float64(),
            "sentiment_label": pl.String(),
            "sentiment_model_version": pl.String(),
        }
    )
    return {**SCORED_POSTS_SCHEMA, **extra}


#: Full output schema of :func:`score_posts` (without ``gt_*`` columns).
SCORED_OUTPUT_SCHEMA: dict[str, pl.DataType] = _output_schema()


def _empty_scored(frame: pl.DataFrame) -> pl.DataFrame:
    out = pl.DataFrame(schema=SCORED_OUTPUT_SCHEMA)
    gt = ground_truth_columns(frame)
    return out.hstack(frame.select(gt)) if gt else out


@dataclass(frozen=True)
class _Candidates:
    """A chunk's texts and their scored ticker candidates (``None``: none)."""

    texts: pl.Series
    scored: pl.DataFrame | None

    def in_play(self) -> frozenset[str]:
        """The symbols this chunk puts in play."""
        if self.scored is None:
            return frozenset()
        return frozenset(in_play_symbols(self.scored).to_list())


def _chunk_candidates(
    df: pl.DataFrame, universe: TickerUniverse, focus: frozenset[str]
) -> _Candidates:
    texts = df.select(post_text()).to_series()
    return _Candidates(texts, scored_candidates(texts, universe, focus))


def _score_chunk(
    df: pl.DataFrame,
    cfg: ScoringConfig,
    universe: TickerUniverse,
    focus: frozenset[str],
    model: object | None,
    candidates: _Candidates,
    in_play: frozenset[str],
) -> pl.DataFrame:
    n = df.height
    texts = candidates.texts
    with_text = df.with_columns(texts.alias("_text"))
    q = add_quality_columns(with_text, "_text")
    if candidates.scored is None:
        mentions = pl.DataFrame(schema=MENTION_SCHEMA)
    else:
        mentions = accepted_mentions(candidates.scored, texts, universe, focus, in_play)
    per_row = mentions_per_row(mentions, n)
    multi = per_row.get_column("tickers").list.len() >= 2
    lex = score_lexicons(texts, scoring_lexicons(), sentence_rows=multi)
    q = q.with_columns(
        tier_expr(pl.col("quality_score")).alias("quality_tier"),
        (pl.col("quality_score") >= cfg.min_quality).alias("is_quality"),
    )
    senti = ensemble(*lex.compounds, texts, model)
    ticker_sent = _ticker_sentiment(
        texts, mentions, per_row, multi, senti.get_column("sentiment"), lex.sentences
    )
    version = model_version(model)
    out = pl.concat(
        [q, per_row.select("tickers", "mentions"), senti, ticker_sent.to_frame()], how="horizontal"
    ).with_columns(pl.lit(version).alias("sentiment_model_version"))
    cols = list(SCORED_OUTPUT_SCHEMA)
    return out.select(
        [pl.col(c).cast(SCORED_OUTPUT_SCHEMA[c]) for c in cols] + ground_truth_columns(df)
    )


def _ticker_sentiment(
    texts: pl.Series,
    mentions: pl.DataFrame,
    per_row: pl.DataFrame,
    multi: pl.Series,
    post_sentiment: pl.Series,
    sentences: pl.DataFrame,
) -> pl.Series:
    """Per-ticker sentiment aligned with ``tickers``: with one ticker, the post sentiment; with
    several, the mean stance-lexicon compound of the sentences that mention each ticker
    (``sentences``: ``row``, ``sentence``, ``compound`` from
    :func:`~tft_assets.posts.lexicon.score_lexicons`; a sentence without any sentiment word
    counts as 0). ``multi``: Boolean per row, several tickers."""
    n = texts.len()
    base = pl.DataFrame(
        {"row": pl.arange(0, n, eager=True).cast(pl.UInt32), "post": post_sentiment}
    )
    exploded = (
        per_row.select("row", "tickers")
        .explode("tickers")
        .drop_nulls("tickers")
        .rename({"tickers": "symbol"})
        .with_row_index("order")
    )
    multi_rows = multi.arg_true().cast(pl.UInt32)
    if multi_rows.len() > 0:
        m = mentions.filter(pl.col("row").is_in(multi_rows.implode()))
        m = m.with_columns(texts.gather(m.get_column("row")).alias("_t")).select(
            "row",
            "symbol",
            sentence_index(pl.col("_t").str.slice(0, pl.col("start"))).alias("sentence"),
        )
        per_symbol = (
            m.join(sentences, on=["row", "sentence"], how="left")
            .group_by("row", "symbol")
            .agg(pl.col("compound").fill_null(0.0).mean().round(4).alias("ts"))
        )
        exploded = exploded.join(per_symbol, on=["row", "symbol"], how="left")
    else:
        exploded = exploded.with_columns(pl.lit(None, dtype=pl.Float64).alias("ts"))
    exploded = exploded.join(base, on="row", how="left").with_columns(
        pl.coalesce("ts", "post").alias("ts")
    )
    agg = exploded.sort("order").group_by("row", maintain_order=True).agg(pl.col("ts"))
    out = base.select("row").join(agg, on="row", how="left", maintain_order="left")
    return out.select(
        pl.col("ts").fill_null(pl.lit([], dtype=pl.List(pl.Float64))).alias("ticker_sentiment")
    ).to_series()


#: The columns :func:`summarize_scored` reads (a reader may load only these).
SUMMARY_COLUMNS = [
    "quality_tier", "sentiment", "is_quality", "tickers", "quality_score", "quality_degraded",
    "is_brigaded",
]  # fmt: skip


def summarize_scored(scored: pl.DataFrame, top_n: int = 10) -> dict:
    """Analytics of a scored partition (JSON-serialisable).

    Keys: ``n_posts``, ``tier_distribution`` (tier -> count, all four tiers),
    ``mean_sentiment_per_tier`` (tier -> mean or None), ``top_tickers`` (list of
    ``{"symbol", "mentions"}`` from quality posts, most mentioned first), ``ticker_found_rate``,
    ``sentiment_share`` (share with a non-null sentiment), ``mean_quality``, ``quality_share``,
    ``degraded_share``, ``brigaded_share``.
    """
    n = scored.height
    tiers = dict(scored.group_by("quality_tier").len().iter_rows()) if n else {}
    means = (
        dict(scored.group_by("quality_tier").agg(pl.col("sentiment").mean()).iter_rows())
        if n
        else {}
    )
    top = (
        scored.filter(pl.col("is_quality"))
        .select(pl.col("tickers").explode())
        .drop_nulls()
        .group_by("tickers")
        .len()
        .sort(["len", "tickers"], descending=[True, False])
        .head(top_n)
    )

    def share(expr: pl.Expr) -> float | None:
        return round(float(scored.select(expr.cast(pl.Float64).mean()).item()), 4) if n else None

    return {
        "n_posts": n,
        "tier_distribution": {t: int(tiers.get(t, 0)) for t in TIER_ORDER},
        "mean_sentiment_per_tier": {
            t: (round(float(means[t]), 4) if means.get(t) is not None else None) for t in TIER_ORDER
        },
        "top_tickers": [{"symbol": s, "mentions": int(c)} for s, c in top.iter_rows()],
        "ticker_found_rate": share(pl.col("tickers").list.len() > 0),
        "sentiment_share": share(pl.col("sentiment").is_not_null()),
        "mean_quality": share(pl.col("quality_score")),
        "quality_share": share(pl.col("is_quality")),
        "degraded_share": share(pl.col("quality_degraded"))
        if "quality_degraded" in scored.columns
        else None,
        "brigaded_share": share(pl.col("is_brigaded")) if "is_brigaded" in scored.columns else None,
    }


def quality_histogram_png(scored: pl.DataFrame, bins: int = 20) -> bytes:
    """PNG bytes of the quality-score histogram with the tier boundaries marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = scored.get_column("quality_score").drop_nulls().to_numpy()
    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    try:
        ax.hist(values, bins=bins, range=(0, 100), color="#4472c4", edgecolor="white")
        for edge in (30, 50, 70):
            ax.axvline(edge, color="#999999", linestyle="--", linewidth=1)
        ax.set_xlabel("quality score (0-100)")
        ax.set_ylabel("posts")
        ax.set_title(f"Post quality (n={len(values)})")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)
