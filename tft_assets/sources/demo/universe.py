"""The demo world's ticker universe: real US-listed symbols that Reddit talks about.

Order matters: a world with ``n_tickers = n`` uses the first ``n`` listings, so the
r/wallstreetbets favourites come first. Symbols, names and aliases are what posts mention
(cashtag, bare symbol, company name or alias). Some symbols are historical (BBBY, WISH, NAKD
traded in the 2020-2022 era that the default world simulates).

Symbols that are ordinary English words or abbreviations (``A``, ``ALL``, ``IT``, ``ON``,
``CAN``, ``DD``) are deliberately *not* in the universe: the world writes them as
false-positive words that a ticker extractor must not pick up.
"""

from __future__ import annotations

from typing import NamedTuple


class Listing(NamedTuple):
    """One listed security: ``symbol`` as quoted, ``name`` as people write it, extra ``aliases``."""

    symbol: str
    name: str
    aliases: tuple[str, ...] = ()


#: The universe, WSB favourites first (at least 40 listings; columns of the world's latent
#: arrays are indexed by position here).
UNIVERSE: tuple[Listing, ...] = (
    Listing("GME", "GameStop", ("Gamestop",)),
    Listing("AMC", "AMC Entertainment", ("AMC Theatres",)),
    Listing("BB", "BlackBerry", ("Blackberry",)),
    Listing("NOK", "Nokia"),
    Listing("PLTR", "Palantir", ("Palantir Technologies",)),
    Listing("TSLA", "Tesla", ("Tesla Motors",)),
    Listing("AAPL", "Apple"),
    Listing("NVDA", "Nvidia", ("NVIDIA",)),
    Listing("AMD", "Advanced Micro Devices"),
    Listing("SPY", "S&P 500 ETF", ("the S&P 500",)),
    Listing("BBBY", "Bed Bath & Beyond", ("Bed Bath",)),
    Listing("NIO", "NIO Inc"),
    Listing("SNDL", "Sundial Growers", ("Sundial",)),
    Listing("MSFT", "Microsoft"),
    Listing("AMZN", "Amazon"),
    Listing("META", "Meta Platforms", ("Facebook",)),
    Listing("GOOGL", "Alphabet", ("Google",)),
    Listing("NFLX", "Netflix"),
    Listing("COIN", "Coinbase"),
    Listing("HOOD", "Robinhood"),
    Listing("RIVN", "Rivian"),
    Listing("SOFI", "SoFi Technologies", ("SoFi",)),
    Listing("F", "Ford", ("Ford Motor",)),
    Listing("BAC", "Bank of America"),
    Listing("INTC", "Intel"),
    Listing("DIS", "Disney", ("Walt Disney",)),
    Listing("BABA", "Alibaba"),
    Listing("WISH", "ContextLogic", ("Wish app",)),
    Listing("CLOV", "Clover Health"),
    Listing("MVIS", "MicroVision"),
    Listing("BRK.B", "Berkshire Hathaway", ("Berkshire",)),
    Listing("TLRY", "Tilray"),
    Listing("SPCE", "Virgin Galactic"),
    Listing("NKLA", "Nikola"),
    Listing("LCID", "Lucid Motors", ("Lucid Group",)),
    Listing("UWMC", "UWM Holdings"),
    Listing("RKT", "Rocket Companies", ("Rocket Mortgage",)),
    Listing("WKHS", "Workhorse"),
    Listing("KOSS", "Koss"),
    Listing("NAKD", "Naked Brand"),
    Listing("CRSR", "Corsair Gaming", ("Corsair",)),
    Listing("PYPL", "PayPal"),
    Listing("QQQ", "Nasdaq 100 ETF", ("Invesco QQQ",)),
    Listing("JPM", "JPMorgan Chase", ("JPMorgan",)),
    Listing("UBER", "Uber"),
    Listing("ROKU", "Roku"),
    Listing("DKNG", "DraftKings"),
    Listing("MU", "Micron"),
    Listing("T", "AT&T"),
    Listing("BF.B", "Brown-Forman"),
)

#: Funds rather than companies (lower volatility in the simulated prices).
ETF_SYMBOLS: frozenset[str] = frozenset({"SPY", "QQQ"})

#: Capacity of the latent arrays: random draws are made for this many columns so that adding
#: listings to :data:`UNIVERSE` (up to this count) never changes an existing world.
MAX_UNIVERSE_SIZE = 64

#: Words that are also tickers somewhere but are written as ordinary words in posts; they
#: must never count as a mention (none is in :data:`UNIVERSE`).
FALSE_POSITIVE_WORDS: tuple[str, ...] = (
    "YOLO",
    "DD",
    "CEO",
    "A",
    "I",
    "IT",
    "ALL",
    "ON",
    "CAN",
    "ATH",
    "IMO",
    "FOMO",
    "EPS",
)

SYMBOLS: tuple[str, ...] = tuple(listing.symbol for listing in UNIVERSE)

assert len(UNIVERSE) <= MAX_UNIVERSE_SIZE
assert len(set(SYMBOLS)) == len(SYMBOLS)
assert not set(FALSE_POSITIVE_WORDS) & set(SYMBOLS)
