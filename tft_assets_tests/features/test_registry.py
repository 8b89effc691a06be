from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from tft_assets.features import (
    FEATURE_NAMES,
    FEATURE_SPECS,
    FeatureConfig,
    compute_features,
    feature_specs,
    render_data_dictionary,
)
from tft_assets_tests.features.synth import make_posts, make_prices

DOC = Path(__file__).resolve().parents[2] / "docs" / "features.md"


def test_at_least_23_documented_features_with_unique_names() -> None:
    assert len(FEATURE_NAMES) >= 23
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    for spec in FEATURE_SPECS:
        assert spec.formula and spec.window and spec.units and spec.description, spec.name


def test_issue_names_for_standard_indicators_exist() -> None:
    required = "ret_1d ret_5d ret_20d rsi_14 macd macd_signal macd_hist bb_pct_b bb_bandwidth sma_10 sma_50 sma_cross atr_14 realized_vol_20 volume_ratio_20"
    assert set(required.split()) <= set(FEATURE_NAMES)


def test_computed_columns_are_exactly_the_registry() -> None:
    prices = make_prices(3, dt.date(2021, 1, 4), dt.date(2021, 3, 31))
    posts = make_posts(["T000", "T001"], dt.date(2021, 1, 4), dt.date(2021, 1, 20), per_day=5)
    out = compute_features(prices, posts)
    assert out.columns == ["ticker", "date", *FEATURE_NAMES, "missing_pct"]
    assert all(out.schema[f] == pl.Float64 for f in FEATURE_NAMES)


def test_data_dictionary_is_current() -> None:
    assert DOC.exists(), (
        "docs/features.md is missing: python -m tft_assets.features.registry > docs/features.md"
    )
    assert DOC.read_text() == render_data_dictionary(), (
        "docs/features.md is stale: python -m tft_assets.features.registry > docs/features.md"
    )


def test_dictionary_follows_the_config() -> None:
    cfg = FeatureConfig(rsi_window_sessions=21, ffill_limit_sessions=2)
    text = render_data_dictionary(cfg)
    assert "| 21 sessions |" in text and "ffill <= 2 sessions" in text
    assert {s.name for s in feature_specs(cfg)} == set(FEATURE_NAMES)
