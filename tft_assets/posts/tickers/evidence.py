"""The evidence score: points per candidate mention; a mention when they reach the threshold.

Every candidate (:mod:`~tft_assets.posts.tickers.candidates`) gets points for each piece of
evidence for or against it being a security (:class:`EvidenceWeights`, defaults
:data:`WEIGHTS`) and is a mention when their sum reaches :data:`ACCEPT_SCORE` (1.0). No list
of words decides; casing, word frequency, context, co-mentions, usage and layout weigh in:

================  =============================================================================
component         points (column)
================  =============================================================================
form              what matched (``form_points``): a cashtag 4, of a symbol no listing has
                  ("$MTTR") 1.5; a bare upper-case symbol 1.5 (of no listed symbol, in a
                  list of tickers, -2.5); a
                  watched symbol of 3+ letters in lower case 1.5, any other symbol in lower or
                  title case -0.5 (``expr``, ``Epix``; two letters -1.5 more, ``ag``, and only
                  its neighbours count); a company-name alias 2.5; an alias of everyday words
                  ("rocket fuel", "trade desk", "hometown") 0 in title case, -3.5 in lower
                  case; the first word of a name as a proper noun ("Peloton") -0.5
ambiguity         (``ambiguity``) a bare symbol of one letter -2.5, of two -1.5; from three
                  letters an English word -1, a common one ("SPY", "LOAN") -2.5; an unwatched
                  symbol that is no word but a familiar token ("MSM", "CIA", "tik") -2 per
                  Zipf of word frequency above 2.5
watched           +1 for a symbol of the focus set (watchlist, curated WSB listings)
casing            relative to the text's own casing, for a symbol that could be a word (one or
                  two letters, or English: "SPY", "AG"): +0.5 where the text around it is in
                  lower case (``casing``), +0.5 more for a watched symbol of 3+ letters in
                  capitals there ("SPY make up your mind"); in shouted text or beside a shouted word -1.5 for
                  an unwatched one (``shouted_word``), and there only its neighbours count,
                  not stock words or tickers in the window ("IM KNEE DEEP IN BBBY PUTS").
                  Acronyms are upper case in any text: their casing is no evidence
declared          +4 for "Ford (F)"
strong            +3 for a neighbour only a security has ("shares", "buy", "GME calls", "SLV
                  $24C"); ``hashtag`` +3 for "#PSLV"
context           +1.5 for stock words within the window (``context``); +1.5 for another
                  confident ticker there (``co_mention``); per neighbour that is a ticker +1.5
                  ("NAKD BBY"), +2.5 across a list separator ("AMC, GEO", "SLV AND AG")
                  (``beside_ticker``; a symbol that could be a word counts only the latter,
                  or tickers on both sides: "NOK BB AG", not "BB IM IN")
company           +3 for a name used as a company's: "Realty Income Corp", "Tesla's earnings",
                  "shares of Peloton"
longer name       -2 for one word of a longer proper noun ("JP Morgan", "Texas AG", "Robert
                  Johnson"); a name once so is so in the whole text ("Joe Kennedy ...
                  Kennedy")
platform          -5 for a name used as a platform, broker or product ("rejected on TD
                  Ameritrade", "a TD Ameritrade account"): only a company cue outweighs it
layout            -10 inside a link address, a user or subreddit name, a table header or after
                  the first word of a table cell
in play           +1.5 for a symbol in play (``in_play``): accepted in some text of the batch
                  scored together (or of the set given), so its weaker mentions elsewhere
                  ("AG is +20% AH", "Ctrm gonna triple") need less of their own evidence; not
                  after a determiner ("the AG", "my AG": a noun), nor inside a layout
in list           +3.5 for an item of a list of tickers (``in_list``; an enumeration holding
                  an accepted mention, :mod:`~.lists`: "CEI, SHIP, CTRM or SNDL", "ag and
                  slv"); an item no listing has ("APHA, ACB, and TLRY") is a candidate of
                  form ``enumerated``, -2.5, that only such a list makes a mention
================  =============================================================================

The components are small pure functions (:mod:`~.context`, :mod:`~.usage`, :mod:`~.layout`);
:func:`score_candidates` adds them up, looking each up only where it can still decide the
threshold, unless ``complete`` asks for every component of every candidate
(:func:`~tft_assets.posts.tickers.extract.mention_evidence`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from tft_assets.posts.tickers.candidates import CANDIDATE_COLUMNS
from tft_assets.posts.tickers.context import (
    amid_shouting,
    co_mentioned,
    declared,
    drop_ratios,
    list_neighbours,
    per_row,
    shouted_near,
    stock_context,
    strong_neighbour,
)
from tft_assets.posts.tickers.layout import in_link, table_layout
from tft_assets.posts.tickers.lists import list_mates
from tft_assets.posts.tickers.tables import FAMILIAR_TOKEN_ZIPF, Tables
from tft_assets.posts.tickers.usage import (
    company_usage,
    headline_texts,
    part_of_longer_name,
    platform_usage,
)

#: A candidate whose evidence reaches this many points is a mention.
ACCEPT_SCORE = 1.0


@dataclass(frozen=True)
class EvidenceWeights:
    """Points per component (see the module docstring)."""

    cashtag: float = 4.0
    unlisted: float = 1.5
    upper: float = 1.5
    lower_watched: float = 1.5
    lower: float = -0.5
    title: float = -0.5
    alias: float = 2.5
    phrase_title: float = 0.0
    phrase_lower: float = -3.5
    proper: float = -0.5
    one_letter: float = -2.5
    two_letters: float = -1.5
    english_word: float = -1.0
    common_word: float = -2.5
    familiar_per_zipf: float = -2.0
    watched: float = 1.0
    casing: float = 0.5
    casing_watched: float = 0.5
    shouted_word: float = -1.5
    company: float = 3.0
    declared: float = 4.0
    strong: float = 3.0
    hashtag: float = 3.0
    context: float = 1.5
    co_mention: float = 1.5
    beside_ticker: float = 1.5
    listed: float = 2.5
    longer_name: float = -2.0
    platform: float = -5.0
    layout: float = -10.0
    in_play: float = 1.5
    enumerated: float = -2.5
    in_list: float = 3.5


WEIGHTS = EvidenceWeights()

#: The columns of points :func:`score_candidates` adds up, one per component.
COMPONENTS = (
    "form_points",
    "ambiguity",
    "watched",
    "casing",
    "shouted_word",
    "declared",
    "strong",
    "hashtag",
    "context",
    "co_mention",
    "beside_ticker",
    "company",
    "longer_name",
    "platform",
    "layout",
    "in_play",
    "in_list",
)
#: The components every candidate gets: a settled one gets no other.
_PRIOR = ("form_points", "ambiguity", "watched", "layout")
#: The components of an open candidate known before its casing.
_KNOWN = (*_PRIOR, "strong", "declared", "hashtag", "longer_name", "platform")


def form_points(tab: Tables, w: EvidenceWeights) -> pl.Expr:
    """Points for what matched (column ``form``; ``core`` for the casing of lower forms)."""
    form, core = pl.col("form"), pl.col("core")
    watched_plain = (
        pl.col("symbol").is_in(tab.focus.implode())
        & (pl.col("symbol").str.len_chars() >= 3)
        & ~core.str.to_lowercase().is_in(tab.focus_lower_words.implode())
    )
    title_case = core.str.contains(r"^[A-Z][a-z]")
    two_words = pl.col("end") - pl.col("start") > core.str.len_chars()
    phrase_title = core.str.contains(r"^[A-Z]") & (
        ~two_words | pl.col("_next").str.contains(r"^[A-Z]")
    )
    return (
        pl.when(form == "cashtag")
        .then(w.cashtag)
        .when(form == "unlisted")
        .then(w.unlisted)
        .when(form == "enumerated")
        .then(w.enumerated)
        .when(form == "upper")
        .then(w.upper)
        .when((form == "lower") & watched_plain)
        .then(w.lower_watched)
        .when((form == "lower") & title_case)
        .then(w.title)
        .when(form == "lower")
        .then(w.lower)
        .when(form == "alias")
        .then(w.alias)
        .when((form == "phrase") & phrase_title.fill_null(False))
        .then(w.phrase_title)
        .when(form == "phrase")
        .then(w.phrase_lower)
        .otherwise(w.proper)
        .cast(pl.Float64)
    )


def ambiguity_points(tab: Tables, w: EvidenceWeights) -> pl.Expr:
    """Points against a bare symbol that is short, an English word or a familiar token; the
    word tests apply from three letters (every short token is some word), the familiarity
    only outside the focus set (a watched symbol is frequent as itself: "amc")."""
    sym, form = pl.col("symbol"), pl.col("form")
    letters = sym.str.replace_all(r"[^A-Z]", "").str.len_chars()
    upper = form == "upper"
    watched = sym.is_in(tab.focus.implode())
    bare = (upper | (form == "lower")) & ~watched
    short_lower = (form == "lower") & (letters == 2) & ~watched
    familiar = sym.replace_strict(
        tab.familiarity, default=FAMILIAR_TOKEN_ZIPF, return_dtype=pl.Float64
    )
    common = sym.is_in(tab.wordlike_symbols.implode())
    english = sym.is_in(tab.english_symbols.implode())
    word = upper & (letters >= 3)
    return (
        pl.when(upper & (letters == 1)).then(w.one_letter).otherwise(0.0)
        + pl.when((upper | short_lower) & (letters == 2)).then(w.two_letters).otherwise(0.0)
        + pl.when(word & common).then(w.common_word).otherwise(0.0)
        + pl.when(word & english & ~common).then(w.english_word).otherwise(0.0)
        + pl.when(bare).then(w.familiar_per_zipf * (familiar - FAMILIAR_TOKEN_ZIPF)).otherwise(0.0)
    )


def _symbol_points(m: pl.DataFrame, tab: Tables, w: EvidenceWeights) -> pl.DataFrame:
    """``ambiguity`` and ``watched`` points per candidate, computed once per distinct
    (symbol, form)."""
    keys = m.select("symbol", "form").unique()
    points = keys.with_columns(
        ambiguity_points(tab, w).alias("ambiguity"),
        pl.col("symbol")
        .is_in(tab.focus.implode())
        .cast(pl.Float64)
        .mul(w.watched)
        .alias("watched"),
    )
    return (
        m.select("symbol", "form")
        .join(points, on=["symbol", "form"], how="left", maintain_order="left")
        .select("ambiguity", "watched")
    )


def _beside_ticker(sides: pl.DataFrame, wordlike: pl.Series, w: EvidenceWeights) -> pl.Series:
    """Points for tickers beside a candidate: per side, more across a list separator ("SLV
    AND AG", "AMC, GEO"); a symbol that could be a word counts only those sides, or two
    tickers around it ("NOK BB AG"), never one by a space ("BB IM IN")."""
    tick = sides.get_column("ticker_sides").to_numpy().astype(np.float64)
    listed = sides.get_column("listed_sides").to_numpy().astype(np.float64)
    spaced = tick - listed
    word = wordlike.to_numpy()
    points = np.where(
        word & (tick < 2),
        listed * w.listed,
        listed * w.listed + spaced * w.beside_ticker,
    )
    return pl.Series(points, dtype=pl.Float64)


def _has(m: pl.DataFrame, texts: pl.Series, literal: str) -> pl.Series:
    """Per candidate: its text holds ``literal``."""
    return per_row(m.get_column("row"), texts, lambda t: t.str.contains(literal, literal=True))


def _hashtag(m: pl.DataFrame, texts: pl.Series) -> pl.Series:
    """Per candidate: written as a hashtag (``#PSLV``, ``#ag``)."""
    text = texts.gather(m.get_column("row"))
    start = m.get_column("start")
    return (start > 0) & (text.str.slice((start - 1).clip(0, None), 1) == "#")


def _on_frame(mask: pl.Series, m: pl.DataFrame, sides) -> pl.DataFrame:
    """:func:`~tft_assets.posts.tickers.context.list_neighbours` where ``mask`` holds, no
    sides elsewhere."""
    out = pl.DataFrame(
        {
            "ticker_sides": pl.repeat(0, m.height, eager=True, dtype=pl.Int8),
            "listed_sides": pl.repeat(0, m.height, eager=True, dtype=pl.Int8),
        }
    )
    at = mask.arg_true()
    if at.len() == 0:
        return out
    found = sides(m[at])
    return out.with_columns(out.get_column(c).scatter(at, found.get_column(c)) for c in out.columns)


def _flag(values: pl.Series, points: float) -> pl.Series:
    return values.fill_null(False).cast(pl.Float64) * points


def _on(mask: pl.Series, m: pl.DataFrame, test) -> pl.Series:
    """``test`` (candidates -> Booleans) on the candidates where ``mask`` holds, False
    elsewhere: the costlier components look only where they can matter."""
    out = pl.repeat(False, m.height, eager=True)
    at = mask.fill_null(False).arg_true()
    if at.len() == 0:
        return out
    return out.scatter(at, test(m[at]).fill_null(False))


def score_candidates(
    m: pl.DataFrame,
    texts: pl.Series,
    tab: Tables,
    weights: EvidenceWeights = WEIGHTS,
    complete: bool = False,
) -> pl.DataFrame:
    """The candidates ``m`` (:data:`~tft_assets.posts.tickers.candidates.CANDIDATE_COLUMNS`)
    with one column of points per component (:data:`COMPONENTS`), ``score`` (their sum) and
    ``accepted`` (``score >= ACCEPT_SCORE``). Halves of ratios are dropped.

    A component is looked up only where it can still decide: a candidate whose form, ambiguity
    and watch points reach the threshold even after every penalty it could get ("GME", "BBBY")
    is settled - only its layout is checked - and the positive evidence is looked up only for
    candidates it can lift. ``complete``: look up every component for every candidate."""
    w = weights
    m = drop_ratios(m, texts)
    if m.height == 0:
        return m.with_columns(
            *[pl.lit(0.0).alias(c) for c in COMPONENTS],
            pl.lit(0.0).alias("score"),
            pl.lit(False).alias("accepted"),
        )
    m = m.with_columns(
        form_points(tab, w).alias("form_points"),
        *_symbol_points(m, tab, w),
        _flag(in_link(m, texts) | table_layout(m, texts), w.layout).alias("layout"),
    )
    named = pl.col("method") == "name"
    capital = r"^[\"'‘“`]*[A-Z][a-z]"
    near_name = (
        pl.col("_prev").str.contains(capital) | pl.col("_next").str.contains(capital)
    ).fill_null(False) & ((pl.col("method") == "symbol") | named)
    # the most a candidate can lose besides its layout: a longer name, shouting, platform use
    floor = (
        pl.when(near_name).then(min(w.longer_name, 0.0)).otherwise(0.0)
        + pl.when(_wordlike(tab) & ~pl.col("symbol").is_in(tab.focus.implode()))
        .then(min(w.shouted_word, 0.0))
        .otherwise(0.0)
        + pl.when(named).then(min(w.platform, 0.0)).otherwise(0.0)
    )
    prior = pl.sum_horizontal("form_points", "ambiguity", "watched")
    settled = pl.lit(False) if complete else (prior + floor >= ACCEPT_SCORE)
    m = m.with_columns(settled.alias("_settled"))
    fast = m.filter(pl.col("_settled")).with_columns(
        *[pl.lit(0.0).alias(c) for c in COMPONENTS if c not in _PRIOR],
    )
    fast = fast.with_columns(pl.sum_horizontal(_PRIOR).alias("score"))
    slow = _score_open(m.filter(~pl.col("_settled")), texts, tab, w, complete, fast)
    slow = slow.with_columns(pl.lit(0.0).alias("in_play"), pl.lit(0.0).alias("in_list"))
    out = pl.concat([fast, slow.select(fast.columns)], how="vertical").drop("_settled")
    return out.with_columns((pl.col("score") >= ACCEPT_SCORE).alias("accepted"))


#: Words before a token that make it a noun of the sentence ("the AG", "my AG", "an AG"),
#: not a symbol being traded: no symbol in play lends it its standing.
DETERMINER_PATTERN = r"(?i)^[\"'‘“(]*(?:a|an|the|my|your|his|her|our|their)$"


#: The forms whose accepted candidates put a symbol in play: as written, the symbol itself
#: or its company's name. A weaker reading (a lower-case token, a proper noun) does so only
#: in :data:`IN_PLAY_MIN_TEXTS` texts or more: one could be a chat word read as a symbol.
IN_PLAY_FORMS = ("cashtag", "upper", "alias")
IN_PLAY_MIN_TEXTS = 2


def in_play_symbols(scored: pl.DataFrame) -> pl.Series:
    """The symbols in play in the batch of ``scored`` (:func:`score_candidates`' frame,
    before :func:`lift_in_play`): accepted in some text in one of the :data:`IN_PLAY_FORMS`,
    or in any form in :data:`IN_PLAY_MIN_TEXTS` texts."""
    accepted = scored.filter(pl.col("accepted"))
    if accepted.height == 0:
        return pl.Series("symbol", [], dtype=pl.String)
    per_symbol = accepted.group_by("symbol").agg(
        pl.col("form").is_in(IN_PLAY_FORMS).any().alias("sure"),
        pl.col("row").n_unique().alias("texts"),
    )
    in_play = pl.col("sure") | (pl.col("texts") >= IN_PLAY_MIN_TEXTS)
    return per_symbol.filter(in_play).get_column("symbol").sort()


def lift_in_play(
    scored: pl.DataFrame,
    texts: pl.Series,
    tab: Tables,
    in_play: pl.Series,
    weights: EvidenceWeights = WEIGHTS,
) -> pl.DataFrame:
    """``scored`` (:func:`score_candidates`) with ``in_play`` points for the candidates not
    accepted whose symbol is in play (``in_play``: symbols, e.g. :func:`in_play_symbols` of
    the batch), outside any layout and not after a determiner; ``score`` and ``accepted``
    updated. Those candidates get every component first (the score looked some up only where
    they could decide without this one)."""
    w = weights
    if scored.height == 0 or in_play.len() == 0 or w.in_play <= 0:
        return scored
    lift = (
        ~pl.col("accepted")
        & pl.col("symbol").is_in(in_play.implode())
        & (pl.col("layout") == 0)
        & ~pl.col("_prev").str.contains(DETERMINER_PATTERN).fill_null(False)
    )
    mask = scored.select(lift).to_series()
    at = mask.arg_true()
    if at.len() == 0:
        return scored
    inputs = [*CANDIDATE_COLUMNS, *_PRIOR]
    sure = scored.filter(pl.col("accepted"))
    again = _score_open(scored[at].select(inputs), texts, tab, w, True, sure)
    again = again.with_columns(
        pl.lit(w.in_play).alias("in_play"),
        pl.lit(0.0).alias("in_list"),
        (pl.col("score") + w.in_play).alias("score"),
    )
    again = again.with_columns((pl.col("score") >= ACCEPT_SCORE).alias("accepted"))
    return pl.concat([scored.filter(~mask), again.select(scored.columns)], how="vertical")


def lift_list_mates(
    scored: pl.DataFrame,
    texts: pl.Series,
    tab: Tables,
    weights: EvidenceWeights = WEIGHTS,
) -> pl.DataFrame:
    """``scored`` (after :func:`lift_in_play`) with ``in_list`` points for the items of a
    list of tickers (:func:`~tft_assets.posts.tickers.lists.list_mates`): a candidate not
    accepted there gets them (every component looked up first, its ``in_play`` points
    kept), and an item of no listed symbol is added as a candidate of form ``enumerated``;
    neither inside a layout. ``score`` and ``accepted`` updated."""
    w = weights
    if scored.height == 0 or w.in_list <= 0:
        return scored
    mates = list_mates(scored, texts, tab)
    if mates.height == 0:
        return scored
    keys = mates.filter(pl.col("listed")).select("row", "start", "symbol")
    mask = (
        scored.select("row", "start", "symbol")
        .join(
            keys.with_columns(pl.lit(True).alias("_mate")),
            on=["row", "start", "symbol"],
            how="left",
            maintain_order="left",
        )
        .get_column("_mate")
        .fill_null(False)
        & ~scored.get_column("accepted")
        & (scored.get_column("layout") == 0)
    )
    parts = [scored.filter(~mask)]
    at = mask.arg_true()
    if at.len():
        inputs = [*CANDIDATE_COLUMNS, *_PRIOR]
        sure = scored.filter(pl.col("accepted"))
        again = _score_open(scored[at].select(inputs), texts, tab, w, True, sure)
        again = again.with_columns(
            scored.get_column("in_play").gather(at).alias("in_play"),
            pl.lit(w.in_list).alias("in_list"),
        ).with_columns((pl.col("score") + pl.col("in_play") + w.in_list).alias("score"))
        again = again.with_columns((pl.col("score") >= ACCEPT_SCORE).alias("accepted"))
        parts.append(again.select(scored.columns))
    new = _enumerated_candidates(mates.filter(~pl.col("listed")), texts, w)
    if new.height:
        parts.append(new.select(scored.columns))
    return pl.concat(parts, how="vertical")


def _enumerated_candidates(
    mates: pl.DataFrame, texts: pl.Series, w: EvidenceWeights
) -> pl.DataFrame:
    """The unlisted items of lists of tickers (:func:`~tft_assets.posts.tickers.lists.list_mates`)
    as candidates of form ``enumerated`` with their points: the form's, ``in_list`` and the
    layout's; every other component none."""
    m = mates.select(
        "row",
        "symbol",
        pl.lit("symbol").alias("method"),
        "start",
        "end",
        pl.lit("enumerated").alias("form"),
        "core",
        pl.lit(None, dtype=pl.String).alias("_prev"),
        pl.lit(None, dtype=pl.String).alias("_next"),
    )
    if m.height == 0:
        return m
    m = m.with_columns(
        pl.lit(w.enumerated).alias("form_points"),
        _flag(in_link(m, texts) | table_layout(m, texts), w.layout).alias("layout"),
        pl.lit(w.in_list).alias("in_list"),
        *[
            pl.lit(0.0).alias(c)
            for c in COMPONENTS
            if c not in ("form_points", "layout", "in_list")
        ],
    )
    m = m.with_columns(pl.sum_horizontal(COMPONENTS).alias("score"))
    return m.with_columns((pl.col("score") >= ACCEPT_SCORE).alias("accepted"))


def _wordlike(tab: Tables) -> pl.Expr:
    """A bare upper-case symbol that could be a word: one or two letters, or English."""
    sym = pl.col("symbol")
    letters = sym.str.replace_all(r"[^A-Z]", "").str.len_chars()
    return (pl.col("form") == "upper") & ((letters <= 2) | sym.is_in(tab.english_symbols.implode()))


def _score_open(
    m: pl.DataFrame,
    texts: pl.Series,
    tab: Tables,
    w: EvidenceWeights,
    complete: bool,
    settled: pl.DataFrame,
) -> pl.DataFrame:
    """Every component of the candidates ``m`` that are not settled (see
    :func:`score_candidates`), with ``score``; ``settled``: the settled ones with theirs, the
    confident co-mentions among them."""
    if m.height == 0:
        return m.with_columns(
            *[pl.lit(0.0).alias(c) for c in COMPONENTS if c not in _PRIOR],
            pl.lit(0.0).alias("score"),
        )
    named = m.get_column("method") == "name"
    bare = m.get_column("method") == "symbol"
    sym = m.get_column("symbol")
    watched = sym.is_in(tab.focus.implode())
    upper = m.get_column("form") == "upper"
    letters = sym.str.replace_all(r"[^A-Z]", "").str.len_chars()
    # only where a symbol could be a word does its casing tell: acronyms are upper case anyway
    wordlike = m.select(_wordlike(tab)).to_series()
    short_lower = (m.get_column("form") == "lower") & (letters <= 2) & ~watched
    capital = r"^[\"'‘“`]*[A-Z][a-z]"
    near_name = (bare | named) & m.select(
        pl.col("_prev").str.contains(capital) | pl.col("_next").str.contains(capital)
    ).to_series().fill_null(False)

    def longer(c: pl.DataFrame) -> pl.Series:
        rows = c.get_column("row")
        return part_of_longer_name(c, texts, tab.name_exempt) & ~headline_texts(rows, texts)

    def platform(c: pl.DataFrame) -> pl.Series:
        return platform_usage(c, texts, c.get_column("symbol").is_in(tab.focus.implode()))

    m = m.with_columns(
        _flag(m.select(strong_neighbour()).to_series() & ~named, w.strong).alias("strong"),
        _flag(
            _on(bare & upper & _has(m, texts, "("), m, lambda c: declared(c, texts)), w.declared
        ).alias("declared"),
        _flag(_on(bare & _has(m, texts, "#"), m, lambda c: _hashtag(c, texts)), w.hashtag).alias(
            "hashtag"
        ),
        _flag(_on(near_name, m, longer), w.longer_name).alias("longer_name"),
        _flag(_on(named, m, platform), w.platform).alias("platform"),
    )
    # a name once part of a longer one ("Joe Kennedy") is that one's word in the whole text
    longer_names = m.filter(named & (pl.col("longer_name") < 0)).select("row", "symbol").unique()
    if longer_names.height:
        m = (
            m.join(
                longer_names.with_columns(pl.lit(True).alias("_once")),
                on=["row", "symbol"],
                how="left",
                maintain_order="left",
            )
            .with_columns(
                pl.when(pl.col("_once").fill_null(False) & named)
                .then(w.longer_name)
                .otherwise(pl.col("longer_name"))
                .alias("longer_name")
            )
            .drop("_once")
        )
    # the text's casing, where it can decide: not for a watched symbol sure without it ("BB")
    known = m.select(pl.sum_horizontal(_KNOWN)).to_series()
    low = known + _flag(~watched, min(w.shouted_word, 0.0))
    casing_open = wordlike & (wordlike if complete else low < ACCEPT_SCORE)
    shouted = _on(
        casing_open,
        m,
        lambda c: shouted_near(c, texts) | amid_shouting(c, texts, tab),
    )
    m = m.with_columns(
        (
            _flag(casing_open & ~shouted, w.casing)
            + _flag(casing_open & ~shouted & watched & upper & (letters >= 3), w.casing_watched)
        ).alias("casing"),
        _flag(wordlike & shouted & ~watched, w.shouted_word).alias("shouted_word"),
    )
    m = m.with_columns(pl.sum_horizontal(*_KNOWN, "casing", "shouted_word").alias("_base"))
    # the positive evidence is looked up only where it can still decide
    everyone = pl.repeat(True, m.height, eager=True)
    base = m.get_column("_base")
    reach = 2 * max(w.listed, w.beside_ticker, 0.0) + max(w.company, 0.0)
    reach += max(w.context, 0.0) + max(w.co_mention, 0.0)
    ask = everyone if complete else (base < ACCEPT_SCORE) & (base + reach >= ACCEPT_SCORE)
    sides = _on_frame(ask, m, lambda c: list_neighbours(c, texts, tab))
    m = m.with_columns(
        _beside_ticker(sides, wordlike | short_lower, w).alias("beside_ticker"),
        _flag(_on(ask & named, m, lambda c: company_usage(c, texts)), w.company).alias("company"),
    )
    m = m.with_columns(pl.col("_base") + pl.col("beside_ticker") + pl.col("company"))
    # in shouted text a symbol that could be a word takes evidence from its neighbours only:
    # stock words and tickers are all around it anyway ("IM KNEE DEEP IN BBBY PUTS"); so does
    # a two-letter symbol in lower case
    near_only = (wordlike & shouted & ~watched) | short_lower
    base = m.get_column("_base")
    reach = max(w.context, 0.0) + max(w.co_mention, 0.0)
    ask = everyone if complete else (base < ACCEPT_SCORE) & (base + reach >= ACCEPT_SCORE)
    ask = ask & ~near_only
    asked = m.filter(ask)
    near = pl.repeat(False, m.height, eager=True)
    if asked.height:
        rows = asked.get_column("row").unique().implode()
        sure = pl.concat(
            [
                m.filter((base >= ACCEPT_SCORE) & pl.col("row").is_in(rows)).select(
                    "row", "start", "symbol"
                ),
                settled.filter(
                    (pl.col("score") >= ACCEPT_SCORE) & pl.col("row").is_in(rows)
                ).select("row", "start", "symbol"),
            ]
        )
        near = near.scatter(ask.arg_true(), co_mentioned(asked, sure))
    m = m.with_columns(
        _flag(_on(ask, m, lambda c: stock_context(c, texts)), w.context).alias("context"),
        _flag(near, w.co_mention).alias("co_mention"),
    )
    return m.with_columns(
        (pl.col("_base") + pl.col("context") + pl.col("co_mention")).alias("score")
    ).drop("_base")
