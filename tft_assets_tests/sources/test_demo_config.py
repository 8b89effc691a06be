"""Configuration validation, the universe list and the text templates of the demo world."""

from __future__ import annotations

import re

import pytest

from tft_assets.sources.base import PostsSource, PricesSource
from tft_assets.sources.demo import (
    FALSE_POSITIVE_WORDS,
    UNIVERSE,
    DemoPostsSource,
    DemoPricesSource,
    DemoWorld,
    DemoWorldConfig,
)
from tft_assets.sources.demo import text as demo_text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_tickers": 0}, "n_tickers"),
        ({"n_tickers": len(UNIVERSE) + 1}, "n_tickers"),
        ({"seed": -1}, "seed"),
        ({"signal_strength": -0.5}, "signal_strength"),
        ({"signal_strength": float("nan")}, "signal_strength"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"posts_per_ticker_day": 0.0}, "posts_per_ticker_day"),
        ({"subreddits": ()}, "subreddits"),
        ({"subreddits": ("a", "a")}, "subreddits"),
        ({"subreddits": ("wallstreetbets",)}, "two subreddits"),
        ({"spam_rate": 1.5}, "spam_rate"),
        ({"posts_per_ticker_day": 2000.0, "n_tickers": 20}, "id space"),
        ({"spam_rate": 0.3, "deleted_rate": 0.3}, "sum"),
    ],
)
def test_invalid_configs_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DemoWorldConfig(**kwargs)


def test_defaults_and_single_subreddit_without_duplicates():
    cfg = DemoWorldConfig()
    assert (cfg.seed, cfg.n_tickers, cfg.signal_strength, cfg.horizon_days) == (7, 20, 1.0, 5)
    DemoWorldConfig(subreddits=("wallstreetbets",), duplicate_rate=0.0)
    assert set(cfg.defect_rates()) == {
        "spam", "brigaded", "duplicate", "deleted", "non_english", "oversized",
        "missing_author", "missing_score", "missing_post_id", "missing_created_utc",
    }  # fmt: skip


def test_universe_is_real_symbols_wsb_favourites_first():
    symbols = [x.symbol for x in UNIVERSE]
    assert len(symbols) >= 40 and len(set(symbols)) == len(symbols)
    assert symbols[:7] == ["GME", "AMC", "BB", "NOK", "PLTR", "TSLA", "AAPL"]
    assert {"BRK.B", "BF.B", "SPY", "F"} <= set(symbols)
    assert dict((x.symbol, x.name) for x in UNIVERSE)["GME"] == "GameStop"
    assert not set(FALSE_POSITIVE_WORDS) & set(symbols)
    for listing in UNIVERSE:
        assert re.fullmatch(r"[A-Z]{1,5}(\.[A-Z])?", listing.symbol)
        assert listing.name and all(isinstance(a, str) and a for a in listing.aliases)
    world = DemoWorld(DemoWorldConfig(n_tickers=12))
    assert world.tickers == tuple(symbols[:12])


def _all_templates() -> list[str]:
    pools = [
        *demo_text.TITLES, *demo_text.LINES, *demo_text.FILLERS, *demo_text.NON_ENGLISH,
        demo_text.FALSE_POSITIVE_LINES, demo_text.SECOND_TICKER_LINES, demo_text.CHATTER_TITLES,
        demo_text.CHATTER_LINES, demo_text.NON_ENGLISH_CHATTER, demo_text.SPAM, demo_text.SPAM_TITLES,
        (demo_text.OVERSIZED_PARAGRAPH,),
    ]  # fmt: skip
    return [t for pool in pools for t in pool]


def test_templates_mention_no_universe_ticker_on_their_own():
    bare = {x.symbol for x in UNIVERSE}
    names = [n.lower() for x in UNIVERSE for n in (x.name, *x.aliases)]
    for template in _all_templates():
        stripped = re.sub(r"\{[^}]*\}", " ", template)
        words = set(re.findall(r"\$?[A-Za-z][A-Za-z.]*", stripped))
        assert not {w.lstrip("$").upper() for w in words if w.startswith("$")} & bare, template
        assert not {w.rstrip(".") for w in words} & bare, template
        assert not [n for n in names if n in stripped.lower()], template


def test_world_implements_both_source_protocols():
    world = DemoWorld(DemoWorldConfig(n_tickers=2))
    assert isinstance(world, PostsSource) and isinstance(world, PricesSource)
    assert isinstance(DemoPostsSource(world), PostsSource)
    assert isinstance(DemoPricesSource(DemoWorldConfig(n_tickers=2)), PricesSource)
    assert DemoPostsSource(world).world is world
