import numpy as np
import pytest

from tft_assets.features import FEATURE_NAMES
from tft_assets.models.tabular import PRICE_LEVEL_FEATURES, TabularView, cross_sectional


def _x(n: int = 6, length: int = 30, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, length, len(FEATURE_NAMES))).astype(np.float32)


def test_columns_are_scale_free_and_match_the_table_width() -> None:
    view = TabularView()
    cols = view.columns(FEATURE_NAMES)
    assert not set(cols) & set(PRICE_LEVEL_FEATURES)
    assert {"macd_rel", "macd_signal_rel", "macd_hist_rel", "sentiment_mean_slope"} <= set(cols)
    assert len(cols) == len(set(cols))
    assert view.transform(_x(), FEATURE_NAMES).shape == (6, len(cols))


def test_window_stats_match_a_direct_computation_with_nan() -> None:
    x = _x(n=3)
    j = FEATURE_NAMES.index("sentiment_mean")
    x[0, 5:9, j] = np.nan
    table = TabularView().transform(x, FEATURE_NAMES)
    cols = TabularView().columns(FEATURE_NAMES)
    w = x[0, :, j].astype(np.float64)
    ok = ~np.isnan(w)
    t = np.arange(30)[ok]
    slope = np.polyfit(t, w[ok], 1)[0]
    assert table[0, cols.index("sentiment_mean_mean")] == pytest.approx(w[ok].mean(), rel=1e-5)
    assert table[0, cols.index("sentiment_mean_std")] == pytest.approx(w[ok].std(), rel=1e-5)
    assert table[0, cols.index("sentiment_mean_slope")] == pytest.approx(slope, rel=1e-4)
    assert table[0, cols.index("sentiment_mean")] == pytest.approx(w[-1], rel=1e-6)


def test_macd_enters_as_a_ratio_to_sma_10() -> None:
    x = np.abs(_x(n=2)) + 1.0
    names = FEATURE_NAMES
    table = TabularView().transform(x, names)
    cols = TabularView().columns(names)
    want = x[1, -1, names.index("macd_hist")] / x[1, -1, names.index("sma_10")]
    assert table[1, cols.index("macd_hist_rel")] == pytest.approx(want, rel=1e-5)
    # scaling every price-level column by 100 (a split-like level change) leaves the ratio alone
    y = x.copy()
    for f in PRICE_LEVEL_FEATURES:
        y[:, :, names.index(f)] *= 100
    np.testing.assert_allclose(TabularView().transform(y, names), table, rtol=1e-5)


def test_cross_sectional_rank_and_zscore_are_per_day() -> None:
    table = np.array([[1.0], [3.0], [2.0], [10.0], [np.nan], [30.0]])
    days = np.array(["d1", "d1", "d1", "d2", "d2", "d2"])
    rank = cross_sectional(table, days, "rank")[:, 0]
    np.testing.assert_allclose(rank[:3], [1 / 3, 1.0, 2 / 3])
    assert np.isnan(rank[4]) and rank[3] == 0.5 and rank[5] == 1.0
    z = cross_sectional(table, days, "zscore")[:, 0]
    assert z[:3].mean() == pytest.approx(0.0) and z[:3].std() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="end_date"):
        TabularView("rank").transform(_x(), FEATURE_NAMES)
    with pytest.raises(ValueError, match="normalisation"):
        TabularView("minmax")
