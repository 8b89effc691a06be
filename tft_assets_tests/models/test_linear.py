"""The linear member: a sparse logistic regression that finds few informative columns among
many, handles NaNs, chooses its penalty on purged chronological folds, is deterministic and
round-trips through bytes, alone and inside a bundle."""

import datetime as dt

import numpy as np
import pytest

from tft_assets.models.linear import C_GRID, LinearModel, choose_c, fit_linear
from tft_assets.models.training import ModelBundle, TrainingConfig, train_partition
from tft_assets_tests.models.test_training import DAY, _data, _today

NAMES = tuple(f"c{i}" for i in range(20))


def _rows(seed: int, n: int = 3000):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(NAMES)))
    logit = 0.8 * x[:, 0] - 0.6 * x[:, 1]  # two informative columns, eighteen of noise
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    ends = np.repeat(np.arange(n // 10), 10).astype("datetime64[D]")  # 10 rows per session
    return x, y, ends


def test_it_keeps_the_informative_columns_and_predicts_held_out_rows():
    x, y, ends = _rows(0)
    model = fit_linear(x, y, NAMES, ends=ends, horizon_days=5)
    assert model.c in C_GRID
    imp = model.importance()
    assert imp["c0"] + imp["c1"] > 0.7
    noise = np.abs(model.coef[2:])
    assert min(abs(model.coef[0]), abs(model.coef[1])) > 5 * noise.max()
    assert (noise == 0).sum() >= 3  # the L1 penalty zeroes some noise columns outright
    assert np.sign(model.coef[0]) == 1 and np.sign(model.coef[1]) == -1
    xt, yt, _ = _rows(1)
    p = model.predict(xt)
    assert ((p > 0.5) == (yt > 0.5)).mean() > 0.65
    assert np.all((p > 0) & (p < 1))


def test_nans_are_imputed_with_fit_medians_and_a_column_nan_throughout_is_harmless():
    x, y, ends = _rows(2)
    x[::7, 0] = np.nan
    x[:, 5] = np.nan
    model = fit_linear(x, y, NAMES, ends=ends, horizon_days=5)
    assert model.medians[5] == 0.0 and np.isfinite(model.medians[0])
    p = model.predict(np.full((3, len(NAMES)), np.nan))
    assert np.allclose(p, p[0]) and np.isfinite(p).all()
    with pytest.raises(ValueError, match="expects"):
        model.predict(x[:, :3])


def test_the_fit_is_deterministic_and_round_trips_through_bytes():
    x, y, ends = _rows(3)
    a = fit_linear(x, y, NAMES, ends=ends, horizon_days=5, seed=4)
    b = fit_linear(x, y, NAMES, ends=ends, horizon_days=5, seed=4)
    assert a.to_bytes() == b.to_bytes()
    again = LinearModel.from_bytes(a.to_bytes())
    assert np.array_equal(again.predict(x), a.predict(x))


def test_one_class_gives_the_base_rate_and_no_slope():
    x, _, ends = _rows(4, n=200)
    model = fit_linear(x, np.ones(200), NAMES, ends=ends, horizon_days=5)
    assert not model.coef.any()
    assert model.predict(x[:5]) == pytest.approx(np.full(5, 1 - 1e-6))


def test_the_penalty_is_scored_on_later_blocks_without_the_purged_sessions(monkeypatch):
    import tft_assets.models.linear as linear

    x, y, ends = _rows(5, n=2000)  # 200 sessions: blocks of 50
    seen = []
    real_fit = linear._fit

    def spy(z, yy, c, seed):
        seen.append(len(yy))
        return real_fit(z, yy, c, seed)

    monkeypatch.setattr(linear, "_fit", spy)
    best, losses = choose_c(x, y, ends, horizon_days=5)
    assert best in C_GRID and set(losses) == set(C_GRID)
    # per C, three folds trained on 45, 95 and 145 sessions of 10 rows: each block's own
    # sessions and the 5 before it are out
    assert seen[:3] == [450, 950, 1450]
    assert best == min(C_GRID, key=lambda c: (round(losses[c], 12), c))


def test_a_bundle_with_the_linear_member_predicts_and_round_trips():
    cfg = TrainingConfig(
        horizon_days=5,
        min_train_sessions=30,
        validation_sessions=20,
        families=("xgboost", "linear"),
    )
    data = _data()
    outcome = train_partition(data, DAY, cfg)
    bundle = outcome.bundle
    assert outcome.retrained == ("xgboost", "linear")
    assert isinstance(bundle.members["linear"], LinearModel)
    assert set(bundle.info["importance"]["linear"]) == set(bundle.columns)
    today = _today(data, DAY)
    pred = bundle.predict(today)
    assert "p_linear" in pred.columns and pred["p_linear"].is_between(0, 1).all()
    again = ModelBundle.from_bytes(bundle.to_bytes())
    assert again.version == bundle.version
    assert again.predict(today).equals(pred)
    # the next session of the same week carries the bundle forward
    nxt = train_partition(data, DAY + dt.timedelta(days=1), cfg, bundle)
    assert nxt.carried_forward and nxt.bundle.version == bundle.version
