"""Candidate mentions: the tokens that can pass a rule, and the rules that make them candidates.

:func:`candidate_tokens` keeps, with a cheap exact pre-filter, only the tokens that can pass a
rule, with their neighbours and core; :func:`mention_candidates` applies the cashtag, symbol
and name rules to them (see the package docstring). Each candidate says what matched in its
``form`` (:data:`FORMS`); how far to believe it is the evidence score's business
(:mod:`~tft_assets.posts.tickers.evidence`).
"""

from __future__ import annotations

import polars as pl

from tft_assets.posts.tickers.tables import FAMILIAR_TOKEN_ZIPF, Tables
from tft_assets.posts.tickers.tokens import LEAD_CHARS, TRAIL_CHARS, core_columns
from tft_assets.posts.universe import is_english_word, word_zipf

#: What a candidate's token is: a cashtag (``$GME``), a bare upper-case symbol (``GME``), a
#: symbol in lower or title case (``gme``, ``Expr``), a company-name alias (``GameStop``,
#: ``General Motors``), an alias whose every word is an English word (``on deck``, ``rocket
#: fuel``: it may be an everyday phrase), the first word of a name as a proper noun
#: (``Peloton``), a cashtag of no listed symbol (``$MTTR``: a listing the universe lacks), or
#: a bare symbol of no listing in a list of tickers (``ACB`` in "APHA, ACB, and TLRY": see
#: :mod:`~tft_assets.posts.tickers.lists`; added after the score, not by these rules).
FORMS = ("cashtag", "upper", "lower", "alias", "phrase", "proper", "unlisted", "enumerated")

#: Columns of every candidate frame, in order.
CANDIDATE_COLUMNS = [
    "row",
    "symbol",
    "method",
    "start",
    "end",
    "form",
    "core",
    "_prev",
    "_next",
]


#: Characters that make a token cased: an upper-case letter or ``$``.
_CASED_CHARS = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "$"]
_EDGE_CHARS = sorted(set(LEAD_CHARS + TRAIL_CHARS))


def _normalised(tok: pl.Series) -> pl.Series:
    """Tokens without leading quotes and trailing punctuation, stripped only where a token
    holds such a character (most hold none)."""
    at = tok.str.contains_any(_EDGE_CHARS).arg_true()
    if at.len() == 0:
        return tok
    stripped = tok.gather(at).str.strip_chars_start(LEAD_CHARS).str.strip_chars_end(TRAIL_CHARS)
    return tok.clone().scatter(at, stripped)  # in place: on a copy, the frame keeps its tokens


def _single_token_hits(tok: pl.Series, norm: pl.Series, tab: Tables) -> pl.Series:
    """Per token: it is a lower-case symbol or alias spelling, or a cased token (upper-case
    letter or ``$``) that is a cashtag, a symbol, an alias or a proper-name spelling."""
    candidate = norm.is_in(tab.lower_spellings.implode())
    cased_at = tok.str.contains_any(_CASED_CHARS).arg_true()
    if cased_at.len():
        norm_cased = norm.gather(cased_at)
        hit = (
            tok.gather(cased_at).str.contains("$", literal=True)
            | norm_cased.is_in(tab.symbol_spellings.implode())
            | norm_cased.str.to_lowercase().is_in(tab.lower_spellings.implode())
            | norm_cased.is_in(tab.proper_spellings.implode())
        )
        candidate = candidate.scatter(cased_at.filter(hit), True)
    return candidate


def _two_word_starts(every: pl.DataFrame, norm: pl.Series, tab: Tables) -> pl.Series:
    """Indices of the first words of two-word names whose next token (same text) completes
    the name."""
    first_at = norm.is_in(tab.first_word_spellings.implode()).arg_true()
    nxt_at = (first_at + 1).clip(0, every.height - 1)
    # the next word must be one of a name's second words before the pair is looked up
    second = norm.gather(nxt_at).is_in(tab.second_word_spellings.implode())
    first_at, nxt_at = first_at.filter(second), nxt_at.filter(second)
    key = pl.DataFrame({"a": norm.gather(first_at), "b": norm.gather(nxt_at)}).select(
        pl.concat_str(["a", "b"], separator=" ").str.to_lowercase()
    )
    pair = key.to_series().is_in(tab.alias_double_keys.implode()) & (
        every.get_column("row").gather(nxt_at) == every.get_column("row").gather(first_at)
    )
    return first_at.filter(pair)


def _with_neighbours(every: pl.DataFrame, at: pl.Series) -> pl.DataFrame:
    """The tokens at ``at`` with the next token (``next_tok``, ``next_raw_start``,
    ``has_next``), the neighbours in the same text (``_next``, ``_prev``; null at the
    text's ends) and the core columns (:func:`~tft_assets.posts.tickers.tokens.core_columns`)."""
    nxt = (at + 1).clip(0, every.height - 1)
    prv = (at.cast(pl.Int64) - 1).clip(0, None)
    same_row_next = (every.get_column("row").gather(nxt) == every.get_column("row").gather(at)) & (
        at + 1 < every.height
    )
    same_row_prev = (every.get_column("row").gather(prv) == every.get_column("row").gather(at)) & (
        at > 0
    )
    t = every[at].with_columns(
        every.get_column("tok").gather(nxt).alias("next_tok"),
        every.get_column("raw_start").gather(nxt).alias("next_raw_start"),
        same_row_next.alias("has_next"),
        pl.when(same_row_next).then(every.get_column("tok").gather(nxt)).alias("_next"),
        pl.when(same_row_prev).then(every.get_column("tok").gather(prv)).alias("_prev"),
    )
    return t.with_columns(core_columns(pl.col("tok"), pl.col("raw_start")))


def candidate_tokens(every: pl.DataFrame, tab: Tables) -> pl.DataFrame | None:
    """The tokens of ``every`` (:func:`~tft_assets.posts.tickers.tokens.token_frame`) that can
    pass a rule, with neighbours and core; ``None`` when there are none."""
    tok = every.get_column("tok")
    norm = _normalised(tok)
    candidate = _single_token_hits(tok, norm, tab)
    if tab.alias_double_keys.len():
        candidate = candidate.scatter(_two_word_starts(every, norm, tab), True)
    at = candidate.arg_true()
    if at.len() == 0:
        return None
    return _with_neighbours(every, at)


def _cashtags(t: pl.DataFrame, tab: Tables) -> pl.DataFrame:
    """``$GME``, ``$gme``, ``$BRK.B`` of a listed symbol: no context needed; also behind the
    quantity of an order written against it ("42$BBBY, 200$NOK"), the mention then starting at
    its ``$``."""
    core = pl.col("core")
    cash = core.str.extract(r"^\d{0,7}(\$[A-Za-z]{1,5}(?:[.\-][A-Za-z]{1,2})?)$", 1)
    cash_sym = cash.str.slice(1).str.to_uppercase().str.replace("-", ".", literal=True)
    quantity = (core.str.len_chars() - cash.str.len_chars()).cast(pl.Int64)
    found = t.filter(cash.is_not_null()).with_columns(
        cash_sym.alias("symbol"),
        pl.lit("cashtag").alias("method"),
        pl.lit("cashtag").alias("form"),
        (pl.col("start") + quantity).alias("start"),
        cash.alias("core"),
    )
    listed = pl.col("symbol").is_in(tab.symbols.implode())
    return pl.concat([found.filter(listed), _unlisted_cashtags(found.filter(~listed), tab)])


#: An over-the-counter symbol of a foreign issue: five letters ending in F ("SLVRF").
FOREIGN_OTC_PATTERN = r"^[A-Z]{4}F$"


def plausible_unlisted(frame: pl.DataFrame, tab: Tables, max_zipf: float) -> pl.DataFrame:
    """The rows of ``frame`` whose ``symbol``, absent from the universe, may still name a
    listing it lacks (renamed, delisted or foreign): none when the universe is complete;
    otherwise not blacklisted, not over the counter (:data:`FOREIGN_OTC_PATTERN`), no English
    word and no token of Zipf frequency ``max_zipf`` or more. The word tests run once per
    distinct symbol."""
    if not tab.read_unlisted:  # a complete universe: no symbol outside it is a listing
        return frame.clear()
    sym = pl.col("symbol")
    c = frame.filter(~sym.is_in(tab.blacklist.implode()) & ~sym.str.contains(FOREIGN_OTC_PATTERN))
    if c.height == 0:
        return c
    plain = [
        x
        for x in c.get_column("symbol").unique().to_list()
        if not is_english_word(x) and word_zipf(x) < max_zipf
    ]
    return c.filter(sym.is_in(plain))


def _unlisted_cashtags(cash: pl.DataFrame, tab: Tables) -> pl.DataFrame:
    """``$MTTR``, ``$SONY``: an upper-case cashtag of three to five letters that no listing of
    the universe has (form ``unlisted``), when :func:`plausible_unlisted` with the familiar-token
    frequency ("$ROPE", "$LOL" are not)."""
    c = cash.filter(pl.col("core").str.contains(r"^\$[A-Z]{3,5}$"))
    c = plausible_unlisted(c, tab, FAMILIAR_TOKEN_ZIPF)
    return c.with_columns(pl.lit("unlisted").alias("form"))


def _upper_symbols(t: pl.DataFrame, tab: Tables) -> pl.DataFrame:
    """A bare upper-case listed symbol, not blacklisted."""
    core = pl.col("core")
    is_upper = core.str.contains(r"^[A-Z]{1,5}(?:[.\-][A-Z]{1,2})?$")
    up_sym = core.str.replace("-", ".", literal=True)
    up = t.filter(is_upper).with_columns(up_sym.alias("symbol"), pl.lit("symbol").alias("method"))
    up = up.filter(
        pl.col("symbol").is_in(tab.symbols.implode())
        & ~pl.col("symbol").is_in(tab.blacklist.implode())
    )
    return up.with_columns(pl.lit("upper").alias("form"))


def _lower_symbols(t: pl.DataFrame, tab: Tables) -> pl.DataFrame:
    """Symbols in lower or title case: focus symbols (``gme``, ``Gme``, ``bb``), other
    symbols of 3+ letters that are no word (``expr``; title case only outside a longer
    proper noun: "Pltr" but not "Ryan Cohen") and two-letter symbols that are no word nor
    chat (``ag``, :data:`~tft_assets.posts.tickers.tables.SHORT_LOWER_MAX_ZIPF`), never a
    common word."""
    core = pl.col("core")
    lw = core.str.to_lowercase()
    # cheap filters first: the shape, and one of the lower-case symbol tables
    t = t.filter(
        core.str.contains(r"^[A-Za-z][a-z]{1,4}$") & lw.is_in(tab.lower_symbol_words.implode())
    )
    is_lower = lw.is_in(tab.focus_lower.implode())
    is_lower_other = (
        (core.str.len_chars() >= 3)
        & (core.str.contains(r"^[a-z]") | ~in_longer_name())
        & core.str.to_uppercase().is_in(tab.plain_symbols.implode())
        & ~is_lower
    )
    is_short = lw.is_in(tab.short_lower.implode()) & ~in_longer_name()
    return t.filter(
        (is_lower | is_lower_other | is_short) & ~lw.is_in(tab.common.implode())
    ).with_columns(
        core.str.to_uppercase().alias("symbol"),
        pl.lit("symbol").alias("method"),
        pl.lit("lower").alias("form"),
    )


def _one_word_names(t: pl.DataFrame, tab: Tables) -> pl.DataFrame:
    """A one-word company name or alias, any case, or its plural ("GameStops", "Chipotles":
    its stores name the company too)."""
    core = pl.col("core")
    lw = core.str.to_lowercase()
    keys = tab.alias_single_keys.implode()
    plural = ~lw.is_in(keys) & lw.str.ends_with("s") & core.str.contains(r"^[A-Z]")
    name = pl.when(plural).then(lw.str.strip_suffix("s"))
    name = name.otherwise(lw)
    # an English word ("hometown" of HomeTown Bankshares) may be the word: a phrase form
    return t.filter(name.is_in(keys)).with_columns(
        name.replace_strict(tab.alias_single, default=None).alias("symbol"),
        pl.lit("name").alias("method"),
        pl.when(name.is_in(tab.phrase_aliases.implode()))
        .then(pl.lit("phrase"))
        .otherwise(pl.lit("alias"))
        .alias("form"),
    )


def _two_word_names(t: pl.DataFrame, tab: Tables) -> pl.DataFrame | None:
    """A two-word company name or alias (``General Motors``), the span covering both words;
    ``None`` when no token starts one."""
    lw = pl.col("core").str.to_lowercase()
    pairs = t.filter(pl.col("has_next") & lw.is_in(tab.first_words.implode()))
    if pairs.height == 0:
        return None
    nxt_cols = core_columns(pl.col("next_tok"), pl.col("next_raw_start"))
    pairs = pairs.with_columns(nxt_cols[0].alias("next_core"), nxt_cols[2].alias("next_end"))
    bigram = pl.concat_str([lw, pl.col("next_core").str.to_lowercase()], separator=" ")
    return pairs.filter(bigram.is_in(tab.alias_double_keys.implode())).with_columns(
        bigram.replace_strict(tab.alias_double, default=None).alias("symbol"),
        pl.lit("name").alias("method"),
        pl.when(bigram.is_in(tab.phrase_aliases.implode()))
        .then(pl.lit("phrase"))
        .otherwise(pl.lit("alias"))
        .alias("form"),
        pl.col("next_end").alias("end"),
    )


def mention_candidates(t: pl.DataFrame, texts: pl.Series, tab: Tables) -> pl.DataFrame:
    """Every rule's candidates among the tokens ``t`` (:func:`candidate_tokens`), in rule
    order (cashtags, upper-case symbols, lower-case symbols, one-word names, proper names,
    two-word names): :data:`CANDIDATE_COLUMNS`."""
    cands = [_cashtags(t, tab), _upper_symbols(t, tab), _lower_symbols(t, tab)]
    if tab.alias_single:
        cands.append(_one_word_names(t, tab))
    if tab.proper:
        cands.append(proper_name_candidates(t, texts, tab))
    if tab.alias_double:
        double = _two_word_names(t, tab)
        if double is not None:
            cands.append(double)
    return pl.concat([c.select(CANDIDATE_COLUMNS) for c in cands], how="vertical")


def sentence_start() -> pl.Expr:
    """The token starts its text or follows a sentence end."""
    return pl.col("_prev").is_null() | pl.col("_prev").str.contains(r"[.!?:…]['\"’”)]*$")


def in_longer_name() -> pl.Expr:
    """The token is part of a longer proper noun ("Ryan Cohen", "Amazon Prime"): a
    capitalised neighbour that does not start the sentence."""
    capitalised = r"^[\"'‘“`]*[A-Z][a-z]"
    return (
        (pl.col("_prev").str.contains(capitalised) & ~sentence_start())
        | pl.col("_next").str.contains(capitalised)
    ).fill_null(False)


def proper_name_candidates(t: pl.DataFrame, texts: pl.Series, tab: Tables) -> pl.DataFrame:
    """``Peloton``, ``Novavax``: the first word of a company name written as a proper noun
    (title case), not part of a longer proper noun ("Ryan Cohen"); an English word (``Apple``, ``Buckle``) must neither start a sentence ("Buckle
    up") nor stand in headline-case text, where every word is capitalised."""
    core, lw = pl.col("core"), pl.col("core").str.to_lowercase()
    c = t.filter(core.str.contains(r"^[A-Z][a-z]+$") & lw.is_in(tab.proper_keys.implode()))
    if c.height == 0:
        return c.with_columns(
            pl.lit(None, dtype=pl.String).alias("symbol"),
            pl.lit("name").alias("method"),
            pl.lit("proper").alias("form"),
        )
    english = lw.is_in(tab.proper_english.implode())
    at_sentence_start = sentence_start()
    in_longer = in_longer_name()
    rows = c.get_column("row").unique()
    sample = texts.gather(rows)
    headline = pl.DataFrame(
        {
            "row": rows,
            "_headline": sample.str.count_matches(r"(?-u:\b)[A-Z][a-z]{3,}")
            > sample.str.count_matches(r"(?-u:\b)[a-z]{4,}"),
        }
    )
    c = c.join(headline, on="row", how="left")
    return c.filter(
        ~in_longer & ~(english & (at_sentence_start | pl.col("_headline")))
    ).with_columns(
        lw.replace_strict(tab.proper, default=None).alias("symbol"),
        pl.lit("name").alias("method"),
        pl.lit("proper").alias("form"),
    )
