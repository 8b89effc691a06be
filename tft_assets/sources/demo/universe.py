"""The demo world's ticker universe: the WSB-favourite listings of the reference data.

Order matters: a world with ``n_tickers = n`` uses the first ``n`` listings of
:data:`~tft_assets.reference.wsb_listings.UNIVERSE`, so the r/wallstreetbets favourites come
first. Some symbols are historical (BBBY, WISH, NAKD traded in the 2020-2022 era that the
default world simulates).

Symbols that are ordinary English words or abbreviations (``A``, ``ALL``, ``IT``, ``ON``,
``CAN``, ``DD``) are deliberately *not* in the universe: the world writes them as
false-positive words that a ticker extractor must not pick up.
"""

from __future__ import annotations

from tft_assets.reference.wsb_listings import UNIVERSE, Listing

__all__ = [
    "ETF_SYMBOLS",
    "FALSE_POSITIVE_WORDS",
    "MAX_UNIVERSE_SIZE",
    "SYMBOLS",
    "UNIVERSE",
    "Listing",
]

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
