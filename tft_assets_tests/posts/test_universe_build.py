"""The universe build: small in-memory listings -> symbols, names, aliases and proper names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tft_assets.posts import ScoringConfig
from tft_assets.posts.universe import build_universe, curated_listings, merge_listings
from tft_assets.reference.wsb_listings import UNIVERSE


def _packages(
    index: list[tuple[str, str]] | None = None, exchange: list[tuple[str, str]] | None = None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return (index or [], exchange or [])


@pytest.mark.parametrize(
    ("name", "aliases"),
    [
        ("GameStop Corporation Common Stock", {"gamestop": "GME", "game stop": "GME"}),
        ("Novavax, Inc.", {"novavax": "GME"}),
        # an English word names the company as a proper noun only
        ("Amazon.com, Inc.", {}),
        # a generic word pair is a two-word alias, never one word alone
        ("General Motors Company", {"general motors": "GME"}),
    ],
)
def test_index_listing_aliases(name: str, aliases: dict[str, str]) -> None:
    universe = merge_listings(_packages(index=[("GME", name)]))
    assert universe.aliases == aliases
    assert universe.names == {"GME": name}
    assert universe.symbols == frozenset({"GME"})


def test_exchange_listings_make_one_word_aliases_of_camelcase_names_only() -> None:
    universe = merge_listings(
        _packages(exchange=[("GME", "GameStop Corp."), ("NVAX", "Novavax, Inc.")])
    )
    assert universe.aliases == {"gamestop": "GME", "game stop": "GME"}
    # "novavax" is no alias here, but names the company written as a proper noun
    assert universe.proper_names == {"novavax": "NVAX"}


def test_curated_names_and_aliases_win_over_the_packages() -> None:
    packages = _packages(index=[("GME", "GameStop Corp. Class A"), ("FBK", "Facebook Corp")])
    assert merge_listings(packages).aliases["facebook"] == "FBK"
    curated = [("GME", "GameStop", ()), ("META", "Meta Platforms", ("Facebook",))]
    universe = merge_listings(packages, curated)
    assert universe.names["GME"] == "GameStop"
    assert universe.aliases["facebook"] == "META"
    # added as a package listing instead, the same entry wins nothing
    later = merge_listings(_packages(index=[*packages[0], ("META", "Meta Platforms")]))
    assert later.names["GME"] == "GameStop Corp. Class A"


def test_the_first_curated_entry_to_name_an_alias_wins() -> None:
    curated = [("ABCD", "Abcd Labs", ("Widget",)), ("WXYZ", "Wxyz Labs", ("Widget",))]
    assert merge_listings(None, curated).aliases["widget"] == "ABCD"


def test_listing_files_win_over_curated_names_and_the_first_file_wins() -> None:
    curated = [("META", "Meta Platforms", ("Facebook",))]
    files = [
        ("2021.csv", [("FB", "Facebook, Inc. Class A")]),
        ("other.csv", [("FBX", "Facebook Index Trust"), ("FB", "Facebook Holdings")]),
    ]
    universe = merge_listings(None, curated, files)
    # a listing of the posts' period: "Facebook" was FB until 2022
    assert universe.aliases["facebook"] == "FB"
    assert universe.names["FB"] == "Facebook, Inc. Class A"
    assert universe.symbols == frozenset({"META", "FB", "FBX"})
    assert universe.sources == ("demo", "file:2021.csv", "file:other.csv")


def test_watchlist_symbols_are_normalised_and_name_only_themselves() -> None:
    universe = merge_listings(
        _packages(index=[("GME", "GameStop Corp.")]), watchlist=["brk/b", "gme", "TOOLONGX"]
    )
    assert universe.symbols == frozenset({"GME", "BRK.B"})
    assert universe.names == {"GME": "GameStop Corp.", "BRK.B": "BRK.B"}
    assert universe.sources == ("pytickersymbols", "watchlist")


def test_proper_names_an_index_constituent_wins_a_common_word() -> None:
    index = [("AAPL", "Apple Inc."), ("PTON", "Peloton Interactive, Inc.")]
    exchange = [("APPLX", "Apple Technologies"), ("CARR", "Carrier Global Corp")]
    universe = merge_listings(_packages(index, exchange))
    assert universe.proper_names["apple"] == "AAPL"
    assert universe.proper_names["peloton"] == "PTON"
    # a common English word of an exchange listing alone names nothing
    assert "carrier" not in universe.proper_names


def test_proper_names_a_shared_word_names_no_company_but_share_classes_agree() -> None:
    shared = merge_listings(
        _packages(exchange=[("NKLA", "Nikola Corporation"), ("NKLX", "Nikola Motors")])
    )
    assert "nikola" not in shared.proper_names
    classes = merge_listings(
        _packages(exchange=[("NKL.A", "Nikola Corp Class A"), ("NKL.B", "Nikola Corp Class B")])
    )
    assert classes.proper_names == {"nikola": "NKL.A"}


def test_curated_listings_are_the_reference_listings() -> None:
    listings = curated_listings()
    assert [s for s, _, _ in listings] == [x.symbol for x in UNIVERSE]
    universe = build_universe((), (), False, True)
    assert universe.sources == ("demo",)
    assert universe.aliases["gamestop"] == "GME"
    assert universe.aliases["facebook"] == "META"


def _listing(tmp_path: Path, name: str, rows: str) -> str:
    path = tmp_path / name
    path.write_text("Symbol,Name\n" + rows)
    return str(path)


def test_the_dated_snapshot_of_the_posts_day_is_the_universe(tmp_path: Path) -> None:
    old = _listing(tmp_path, "2021.csv", 'FB,"Facebook, Inc. Class A"\n')
    new = _listing(tmp_path, "2022.csv", 'META,"Meta Platforms, Inc. Class A"\n')
    plain = _listing(tmp_path, "plain.csv", "GME,GameStop Corp.\n")
    entries = (f"2021-02-28={old}", plain, f"2022-06-30={new}")

    def universe_on(day: dt.date | None):
        cfg = ScoringConfig(
            universe_files=entries,
            as_of=day,
            include_package_universe=False,
            include_demo_universe=False,
        )
        return cfg.universe()

    mid_2021 = universe_on(dt.date(2021, 6, 1))
    assert mid_2021.symbols == frozenset({"GME", "FB"})
    assert mid_2021.sources == ("file:plain.csv", "file:2021.csv")
    assert universe_on(dt.date(2022, 6, 30)).symbols == frozenset({"GME", "META"})
    assert universe_on(None).symbols == frozenset({"GME", "META"})
    # before the first snapshot: the undated file only, no later snapshot leaks in
    assert universe_on(dt.date(2020, 1, 1)).symbols == frozenset({"GME"})
