"""Training one partition: purge and embargo, the leakage guard before any fit, cadence and
carry-forward, determinism and the bundle's bytes round trip (synthetic samples, trees only)."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tft_assets.calendar import shift_trading_days, trading_days
from tft_assets.features import FEATURE_NAMES
from tft_assets.models import ModelData
from tft_assets.models.guard import LeakageError
from tft_assets.models.training import (
    ModelBundle,
    NotEnoughData,
    TrainingConfig,
    split_for,
    train_partition,
    walk_forward,
)

H = 5
CFG = TrainingConfig(
    horizon_days=H, min_train_sessions=30, validation_sessions=20, families=("xgboost", "lightgbm")
)
SESSIONS = trading_days(dt.date(2023, 1, 3), dt.date(2023, 9, 29))
TICKERS = [f"T{i}" for i in range(12)]


def _data(seed: int = 0) -> ModelData:
    rng = np.random.default_rng(seed)
    n = len(SESSIONS) * len(TICKERS)
    x = rng.normal(size=(n, 6, len(FEATURE_NAMES))).astype(np.float32)
    j = FEATURE_NAMES.index("sentiment_mean")
    fwd = 0.02 * x[:, -1, j] + 0.03 * rng.normal(size=n)
    index = pl.DataFrame(
        {
            "ticker": TICKERS * len(SESSIONS),
            "end_date": pl.Series([d for d in SESSIONS for _ in TICKERS], dtype=pl.Date),
        }
    )
    return ModelData(x, index, FEATURE_NAMES, (fwd > 0).astype(float), fwd)


DAY = dt.date(2023, 7, 10)


def _today(data: ModelData, day: dt.date) -> ModelData:
    return data.subset(data.end_dates == np.datetime64(day, "D"))


def test_fit_rows_are_purged_and_embargoed_before_the_tail():
    data = _data()
    split = split_for(data, DAY, CFG)
    ends = data.end_dates
    last_known = np.datetime64(shift_trading_days(DAY, -(H + 1)), "D")
    assert ends[split.tail].max() <= last_known  # every tail label known before D
    embargo = np.datetime64(shift_trading_days(split.tail_start, -(H + 1)), "D")
    assert ends[split.fit].max() <= embargo  # fit labels known before the tail starts
    assert np.unique(ends[split.tail]).size == CFG.validation_sessions
    assert not (split.fit & split.tail).any()


def test_labels_not_known_before_the_day_cannot_change_its_model():
    data = _data()
    base = train_partition(data, DAY, CFG).bundle
    unknown = data.end_dates > np.datetime64(shift_trading_days(DAY, -(H + 1)), "D")
    y, fwd = data.y.copy(), data.fwd_return.copy()
    y[unknown], fwd[unknown] = 1.0 - y[unknown], -fwd[unknown]
    later = data.x.copy()
    later[data.end_dates > np.datetime64(DAY, "D")] = 0.0
    garbled = ModelData(later, data.index, data.feature_names, y, fwd)
    other = train_partition(garbled, DAY, CFG).bundle
    assert other.version == base.version
    today = _today(data, DAY)
    assert base.predict(today).equals(other.predict(today))


def test_too_little_history_says_how_much_and_a_model_carries_forward():
    data = _data()
    out = train_partition(data, SESSIONS[40], CFG)
    assert out.bundle is None and "sessions of known labels" in out.reason
    with pytest.raises(NotEnoughData, match="training needs"):
        split_for(data, SESSIONS[10], CFG)


def test_trees_retrain_on_the_first_session_of_each_week_only():
    data = _data()
    days = trading_days(dt.date(2023, 7, 5), dt.date(2023, 7, 21))
    pred, outcomes = walk_forward(data, days, CFG)
    weeks = {}
    for o in outcomes:
        weeks.setdefault(o.day.isocalendar().week, set()).add(o.bundle.version)
        assert o.retrained == (() if o.carried_forward else CFG.families)
    assert all(len(v) == 1 for v in weeks.values()) and len(weeks) == 3
    assert [o.carried_forward for o in outcomes[:3]] == [False, True, True]
    assert set(pred["end_date"].unique().to_list()) == set(days)


def test_training_is_deterministic_and_survives_a_bytes_round_trip():
    data = _data()
    a = train_partition(data, DAY, CFG).bundle
    b = train_partition(data, DAY, CFG).bundle
    assert a.version == b.version
    again = ModelBundle.from_bytes(a.to_bytes())
    assert again.version == a.version and again.info == a.info
    today = _today(data, DAY)
    assert again.predict(today).equals(a.predict(today))


def test_rolling_window_keeps_the_last_sessions_only():
    from dataclasses import replace

    data = _data()
    split = split_for(data, DAY, replace(CFG, window="rolling", rolling_sessions=30))
    assert np.unique(data.end_dates[split.fit]).size == 30


def test_a_canary_from_the_future_is_refused_before_any_fit(monkeypatch):
    import tft_assets.models.training as training

    def no_fit(*_a, **_k):
        raise AssertionError("a model was fitted before the guard ran")

    monkeypatch.setattr(training, "fit_tree", no_fit)
    data = _data()
    x = data.x.copy()
    j = FEATURE_NAMES.index("mention_zscore")
    x[:, -1, j] = data.fwd_return + 0.001 * np.random.default_rng(1).normal(size=len(data))
    canary = ModelData(x, data.index, data.feature_names, data.y, data.fwd_return)
    with pytest.raises(LeakageError, match="mention_zscore"):
        train_partition(canary, DAY, CFG)
    renamed = ModelData(
        data.x, data.index, (*FEATURE_NAMES[:-1], "future_return"), data.y, data.fwd_return
    )
    with pytest.raises(LeakageError, match="future_return"):
        train_partition(renamed, DAY, CFG)


def test_predict_is_each_members_own_output_and_its_weighted_tree_shap_top_three():
    import json

    from tft_assets.models.trees import top_contributions

    data = _data()
    bundle = train_partition(data, DAY, CFG).bundle
    today = _today(data, DAY)
    pred = bundle.predict(today)
    table = bundle.view.transform(today.x, bundle.feature_names, today.end_dates)
    probs = np.column_stack([bundle.members[n].predict(table) for n in bundle.ensemble.names])
    for i, name in enumerate(bundle.ensemble.names):
        np.testing.assert_array_equal(pred[f"p_{name}"].to_numpy(), probs[:, i])
    np.testing.assert_array_equal(
        pred["p_up"].to_numpy(), np.clip(bundle.ensemble.predict(probs), 0, 1)
    )
    w = np.array(bundle.ensemble.weights) / sum(bundle.ensemble.weights)
    weights = dict(zip(bundle.ensemble.names, w, strict=True))
    contrib = sum(weights[n] * m.contributions(table, threads=1) for n, m in bundle.members.items())
    want = [json.dumps(r) for r in top_contributions(contrib, bundle.columns, k=3)]
    assert pred["top_features"].to_list() == want
    np.testing.assert_array_equal(bundle.member_probs(today), probs)
    np.testing.assert_array_equal(bundle.p_up(today), pred["p_up"].to_numpy())  # the gate's path


def test_cadence_periods_day_week_month_and_quarter():
    from tft_assets.models.training import period_of

    d = dt.date(2023, 8, 16)
    assert period_of(d, "daily") == (d.toordinal(),)
    assert period_of(d, "weekly") == (2023, 33)
    assert period_of(d, "monthly") == (2023, 8)
    # quarters: Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec
    assert period_of(dt.date(2023, 7, 3), "quarterly") == period_of(d, "quarterly")
    assert period_of(dt.date(2023, 6, 30), "quarterly") != period_of(d, "quarterly")
    assert period_of(dt.date(2023, 10, 2), "quarterly") != period_of(d, "quarterly")
    with pytest.raises(ValueError, match="cadence of tft"):
        TrainingConfig(cadence=(("tft", "yearly"),))


def test_the_tft_cadence_comes_from_the_environment(monkeypatch):
    from tft_assets.defs.environment import build_resources
    from tft_assets.settings import load_settings

    monkeypatch.delenv("TFT_TRANSFORMER_CADENCE", raising=False)
    assert build_resources(load_settings())["model_training"].tft_cadence == "monthly"
    monkeypatch.setenv("TFT_TRANSFORMER_CADENCE", "Quarterly")
    training = build_resources(load_settings())["model_training"]
    assert training.tft_cadence == "quarterly"
    assert training.training_config().cadence_of("tft") == "quarterly"
