"""Usage evidence: is a name or symbol used as a company's, or as a word of something else?

* :func:`part_of_longer_name`: the token is one word of a longer proper noun - a capitalised
  neighbour that starts no sentence and is no date ("JP Morgan", "CD Projekt", "Robert
  Johnson", "Uber Eats"): the longer name, not the token, is what the text names. Headline-case
  texts (every word capitalised) give no such evidence;
* :func:`platform_usage`: a company name used as a platform, broker or product - after "on",
  "through", "via", "using" ("rejected on TD Ameritrade", "using etoro") unless a stock word
  leads in ("calls on Amazon", "all in on Nokia"), or before "account", "app", "group"
  ("my TD Ameritrade account", "facebook groups"); a watched company is judged by that noun
  only;
* :func:`company_usage`: a name used as a company's - before a legal form or a stock word
  ("Realty Income Corp", "Tesla's earnings", "Peloton stock") or after "shares of", "stake in";
* :func:`headline_texts`: the texts written in headline case.

Each returns one Boolean per candidate (or per row); the weights live in
:mod:`~tft_assets.posts.tickers.evidence`.
"""

from __future__ import annotations

import calendar
from functools import lru_cache

import polars as pl

from tft_assets.posts.tickers.context import per_row
from tft_assets.posts.universe import word_zipf

#: Characters looked at before a name for a platform preposition.
USAGE_LOOKBACK_CHARS = 40
#: Zipf frequency from which a capitalised neighbour is a function word ("The", "Or",
#: "Will": 6.0+) that is part of no name; name words stay below ("Morgan" 4.4).
FUNCTION_WORD_ZIPF = 5.5

#: Nouns of the crowd behind a ticker ("GME Gang", "EXPR Train", "BBBY Boys"): they follow a
#: symbol without making a longer name.
_CROWD_NOUNS = (
    "gang",
    "gangs",
    "train",
    "boys",
    "bros",
    "army",
    "squad",
    "nation",
    "fam",
    "crew",
    "holders",
    "bulls",
    "bears",
    "apes",
    "team",
    "family",
    "hype",
    "rocket",
    "gang's",
)
_DATES = sorted({w for w in (*calendar.day_name, *calendar.month_name, *calendar.month_abbr) if w})
#: A preposition that makes the next name a platform, broker or product.
_PLATFORM_BEFORE_RE = (
    r"(?i)(?:^|[^\w'’])(?:on|through|thru|via|using|use|used)\s+"
    r"(?:(?:my|your|our|their|his|her|the)\s+)?$"
)
#: A stock word before that preposition: the name is then a company's ("calls on Amazon").
_COMPANY_BEFORE_RE = (
    r"(?i)(?:^|[^\w])(?:calls?|puts?|shares?|stocks?|options?|positions?|leaps|bets?|betting|"
    r"long|short|bullish|bearish|in|stake|money|focus(?:ed)?|eyes|hop|jump|dd|news|"
    r"thoughts?|opinions?|update|plays?|sleep(?:ing)?)\s+(?:on|with|in)\s+"
    r"(?:(?:my|your|our|their|his|her|the)\s+)?$"
)
#: A noun after a name that makes it a platform or product.
_PLATFORM_AFTER_RE = (
    r"(?i)^\s*(?:accounts?|acct|apps?|application|platform|groups?|pages?|feeds?|"
    r"videos?|channels?|users?|support|website|site|search|ads|cards?)(?:\W|$)"
)
#: What follows a company's name: a legal form, or a word of its stock or business.
_COMPANY_AFTER_RE = (
    r"(?i)^(?:['’]s)?\s*(?:inc|corp|corporation|co|company|ltd|limited|plc|llc|group|holdings?|"
    r"stocks?|shares?|calls?|puts?|leaps|options|earnings|ceo|cfo|revenues?|"
    r"sales|guidance|market cap|price target|pt|short interest|float)(?:\W|$)"
)
#: What comes before a company's name: its shares or a stake in it.
_COMPANY_BEFORE_NAME_RE = r"(?i)(?:shares|stock|stake|position|investors?) (?:of|in) (?:the )?$"
#: A capitalised word joined to the next one, the way names are written ("Morgan", "Eats").
_NAME_WORD_RE = r"^[\"'‘“`]*[A-Z][a-z]+[A-Za-z]*$"


def headline_texts(rows: pl.Series, texts: pl.Series) -> pl.Series:
    """Per row index in ``rows``: the text is in headline case, more words capitalised
    (``Shares``) than written in lower case (``shares``), counting words of 4+ letters."""

    def headline(t: pl.Series) -> pl.Series:
        return t.str.count_matches(r"(?-u:\b)[A-Z][a-z]{3,}") > t.str.count_matches(
            r"(?-u:\b)[a-z]{4,}"
        )

    return per_row(rows, texts, headline)


@lru_cache(maxsize=1)
def function_words() -> pl.Series:
    """Lower-case English words of Zipf frequency :data:`FUNCTION_WORD_ZIPF` or more
    (``wordfreq``'s most frequent words, imported on first use)."""
    from wordfreq import top_n_list

    top = top_n_list("en", 2000)
    return pl.Series([x for x in top if word_zipf(x) >= FUNCTION_WORD_ZIPF], dtype=pl.String)


def _name_word(words: pl.Series, tickers: pl.Series) -> pl.Series:
    """Per word: capitalised, joined to its neighbour (no trailing punctuation), neither a
    date, a crowd noun (:data:`_CROWD_NOUNS`), a ticker (``tickers``, lower case: "AMC Nok
    expr" is a list) nor a function word (:data:`FUNCTION_WORD_ZIPF`)."""
    core = words.str.strip_chars_start("\"'‘“`")
    shaped = words.str.contains(_NAME_WORD_RE).fill_null(False)
    at = shaped.arg_true()
    if at.len() == 0:
        return shaped
    cand = core.gather(at)
    lw = cand.str.to_lowercase()
    ok = (
        ~cand.is_in(_DATES)
        & ~lw.is_in(_CROWD_NOUNS)
        & ~lw.is_in(tickers.implode())
        & ~lw.is_in(function_words().implode())
    )
    return shaped.scatter(at, ok)


def part_of_longer_name(m: pl.DataFrame, texts: pl.Series, tickers: pl.Series) -> pl.Series:
    """Per candidate: a capitalised neighbour makes it one word of a longer proper noun (see
    the module docstring): a name word (:func:`_name_word`) joined by one space and nothing
    else, the word before starting no sentence. Two-word names span their own neighbour and
    are not judged here. ``tickers``: lower-case symbols that are no names' words."""
    text = texts.gather(m.get_column("row"))
    start, end = m.get_column("start"), m.get_column("end")
    prev, nxt = m.get_column("_prev").fill_null(""), m.get_column("_next").fill_null("")
    lo = (start - USAGE_LOOKBACK_CHARS).clip(0, None)
    lead = text.str.slice(lo, start - lo)
    after = text.str.slice(end, nxt.str.len_chars() + 1)
    # the word before starts the text or a sentence: its capital says nothing
    initial = lead.str.contains(r"(?:[.!?:…]['\"’”)]*\s+|\n\s*)\S+ $") | (
        (lo == 0) & lead.str.contains(r"^\s*\S+ $")
    )
    joined_before = lead.str.ends_with(prev + " ") & ~initial & _name_word(prev, tickers)
    joined_after = (after == " " + nxt) & _name_word(nxt, tickers)
    single = end - start == m.get_column("core").str.len_chars()
    return ((joined_before | joined_after) & single).fill_null(False)


def platform_usage(m: pl.DataFrame, texts: pl.Series, watched: pl.Series) -> pl.Series:
    """Per candidate: the name is used as a platform, broker or product (see the module
    docstring). A ``watched`` company (Boolean per candidate: GameStop, Netflix) is judged by
    the noun after it only: its prepositions are as often a company's ("on GameStop")."""
    text = texts.gather(m.get_column("row"))
    start, end = m.get_column("start"), m.get_column("end")
    lo = (start - USAGE_LOOKBACK_CHARS).clip(0, None)
    before = text.str.slice(lo, start - lo)
    after = text.str.slice(end, 20)
    prep = (
        before.str.contains(_PLATFORM_BEFORE_RE)
        & ~before.str.contains(_COMPANY_BEFORE_RE)
        & ~watched
    )
    return (prep | after.str.contains(_PLATFORM_AFTER_RE)).fill_null(False)


def company_usage(m: pl.DataFrame, texts: pl.Series) -> pl.Series:
    """Per candidate: the name is used as a company's (see the module docstring)."""
    text = texts.gather(m.get_column("row"))
    start, end = m.get_column("start"), m.get_column("end")
    lo = (start - USAGE_LOOKBACK_CHARS).clip(0, None)
    before = text.str.slice(lo, start - lo)
    after = text.str.slice(end, 30)
    return (
        after.str.contains(_COMPANY_AFTER_RE) | before.str.contains(_COMPANY_BEFORE_NAME_RE)
    ).fill_null(False)
