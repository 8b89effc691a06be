"""US-listed symbols that r/wallstreetbets talks about, with the names posts give them.

Order matters: the WSB favourites come first (the demo world with ``n_tickers = n`` uses the
first ``n`` listings). Symbols, names and aliases are what posts mention (cashtag, bare symbol,
company name or alias). Some symbols are historical (BBBY, WISH, NAKD traded in the 2020-2022
era). Ticker extraction reads them as curated names: their names and aliases win over the
bundled listing packages', and their symbols count in lower case too.

Symbols that are ordinary English words or abbreviations (``A``, ``ALL``, ``IT``, ``ON``,
``CAN``, ``DD``) are deliberately *not* listed.
"""

from __future__ import annotations

from typing import NamedTuple


class Listing(NamedTuple):
    """One listed security: ``symbol`` as quoted, ``name`` as people write it, extra ``aliases``."""

    symbol: str
    name: str
    aliases: tuple[str, ...] = ()


#: The listings, WSB favourites first (at least 40; the demo world indexes the columns of
#: its latent arrays by position here, so append, never reorder).
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
