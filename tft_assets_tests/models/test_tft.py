"""The Temporal Fusion Transformer family: learns a planted signal, leaks no label, imputes NaN
with training medians, is deterministic on CPU and round-trips through bytes.

Small on purpose (400 windows of 10 steps x 4 features, 2 epochs): three fits in all.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from tft_assets.models.tft import TFTConfig, TFTModel, _frame, _impute, fit_tft

NAMES = ("signal", "noise_a", "noise_b", "gappy")
LENGTH = 10
CONFIG = TFTConfig(max_epochs=2, batch_size=32, learning_rate=0.03, seed=7)


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows whose ``signal`` at the prediction day is ``+-1`` (the sign of ``y``) plus noise
    (Bayes accuracy ~0.92); ``gappy`` is 30 % NaN."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, LENGTH, len(NAMES))).astype(np.float32)
    y = (rng.uniform(size=n) < 0.5).astype(float)
    x[:, -1, 0] = (2 * y - 1) + 0.7 * rng.normal(size=n)
    x[rng.uniform(size=(n, LENGTH)) < 0.3, 3] = np.nan
    return x, y


@pytest.fixture(scope="module")
def train() -> tuple[np.ndarray, np.ndarray]:
    return _data(400, 0)


@pytest.fixture(scope="module")
def fresh() -> tuple[np.ndarray, np.ndarray]:
    return _data(600, 1)


@pytest.fixture(scope="module")
def fitted(train: tuple[np.ndarray, np.ndarray]) -> TFTModel:
    import torch

    before = (torch.are_deterministic_algorithms_enabled(), torch.get_num_threads())
    model = fit_tft(*train, NAMES, CONFIG)
    assert (torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()) == before
    return model


def _accuracy(model: TFTModel, x: np.ndarray, y: np.ndarray) -> float:
    return float(((model.predict(x) > 0.5) == (y > 0.5)).mean())


def test_learns_the_planted_signal_and_not_shuffled_labels(
    fitted: TFTModel, train: tuple[np.ndarray, np.ndarray], fresh: tuple[np.ndarray, np.ndarray]
) -> None:
    p = fitted.predict(fresh[0])
    assert p.dtype == np.float64 and p.shape == (len(fresh[0]),)
    assert ((p >= 0) & (p <= 1)).all()
    assert _accuracy(fitted, *fresh) > 0.75
    assert fitted.epochs_run == CONFIG.max_epochs
    x, y = train
    shuffled = fit_tft(x, np.random.default_rng(3).permutation(y), NAMES, CONFIG)
    assert _accuracy(shuffled, *fresh) < 0.6
    imp = fitted.variable_importance()
    assert tuple(imp) == NAMES and sum(imp.values()) == pytest.approx(1.0)
    assert max(imp, key=imp.get) == "signal"


def test_predictions_never_see_the_labels_of_the_predicted_windows(
    fitted: TFTModel, fresh: tuple[np.ndarray, np.ndarray]
) -> None:
    import torch
    from pytorch_forecasting import TimeSeriesDataSet

    x, y = fresh
    net = fitted.network
    assert "target" not in net.encoder_variables + net.decoder_variables + net.reals
    assert fitted.dataset_parameters["add_target_scales"] is False
    assert not fitted.dataset_parameters["lags"]
    # Hand the network batches whose target column (encoder and decoder rows) holds the true
    # labels, then the flipped ones: its outputs must not move.
    outputs = []
    for labels in (y, 1 - y):
        frame = _frame(_impute(x, fitted.medians), labels)
        frame["target"] = np.repeat(np.where(labels > 0.5, "1", "0"), LENGTH + 1)
        ds = TimeSeriesDataSet.from_parameters(
            fitted.dataset_parameters, frame, predict=True, stop_randomization=True
        )
        batch, target = next(iter(ds.to_dataloader(train=False, batch_size=len(x))))
        assert (target[0][:, 0] == torch.as_tensor(labels)).all()  # the labels were there
        with torch.no_grad():
            outputs.append(net(batch)["prediction"])
    torch.testing.assert_close(outputs[0], outputs[1], rtol=0, atol=0)
    # Each window is predicted from its own x: a subset or another order gives the same values
    # (on a copy that remembers no window, so the network really runs on the subset).
    p = fitted.predict(x)
    order = np.random.default_rng(0).permutation(len(x))[:50]
    cold = replace(fitted, _memo={})
    np.testing.assert_allclose(cold.predict(x[order]), p[order], rtol=0, atol=1e-6)


def test_known_windows_are_remembered_and_a_blob_loads_once(
    fitted: TFTModel, fresh: tuple[np.ndarray, np.ndarray]
) -> None:
    x = fresh[0]
    cold = replace(fitted, _memo={})
    first = cold.predict(x[:300])
    assert len(cold._memo) == 300
    mixed = cold.predict(x[200:500])  # 100 known windows, 200 new ones
    assert len(cold._memo) == 500
    np.testing.assert_array_equal(mixed[:100], first[200:])
    np.testing.assert_allclose(mixed, replace(fitted, _memo={}).predict(x[200:500]), atol=1e-6)
    blob = fitted.to_bytes()
    assert fitted.to_bytes() is blob  # written once
    loaded = TFTModel.from_bytes(blob)
    assert TFTModel.from_bytes(blob) is loaded and loaded.to_bytes() == blob


def test_nan_is_imputed_with_the_training_medians(
    fitted: TFTModel, train: tuple[np.ndarray, np.ndarray], fresh: tuple[np.ndarray, np.ndarray]
) -> None:
    expected = np.nanmedian(train[0].astype(np.float64).reshape(-1, len(NAMES)), axis=0)
    np.testing.assert_allclose(fitted.medians, expected)
    x = fresh[0][:20]
    filled = np.where(np.isnan(x), fitted.medians.astype(np.float32), x)
    np.testing.assert_allclose(fitted.predict(x), fitted.predict(filled), rtol=0, atol=1e-6)
    blank = fitted.predict(np.full((3, LENGTH, len(NAMES)), np.nan, np.float32))
    assert np.isfinite(blank).all() and np.ptp(blank) < 1e-6


def test_two_fits_agree_and_bytes_round_trip(
    fitted: TFTModel, train: tuple[np.ndarray, np.ndarray], fresh: tuple[np.ndarray, np.ndarray]
) -> None:
    x = fresh[0]
    p = fitted.predict(x)
    again = fit_tft(*train, NAMES, CONFIG)
    np.testing.assert_allclose(again.predict(x), p, rtol=0, atol=1e-6)
    loaded = TFTModel.from_bytes(fitted.to_bytes())
    np.testing.assert_allclose(loaded.predict(x), p, rtol=0, atol=1e-6)
    assert loaded.config == fitted.config and loaded.feature_names == NAMES
    assert loaded.epochs_run == fitted.epochs_run
    np.testing.assert_array_equal(loaded.medians, fitted.medians)
    assert loaded.variable_importance() == fitted.variable_importance()
    with pytest.raises(ValueError, match="not a"):
        TFTModel.from_bytes(_torch_blob({"format": "something else"}))


def _torch_blob(obj: object) -> bytes:
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def test_config_and_bad_input(fitted: TFTModel, train: tuple[np.ndarray, np.ndarray]) -> None:
    assert TFTConfig(**CONFIG.to_dict()) == CONFIG
    assert TFTConfig().accelerator == "cpu"
    with pytest.raises(ValueError, match="dropout"):
        TFTConfig(dropout=1.0)
    with pytest.raises(ValueError, match="accelerator"):
        TFTConfig(accelerator="tpu")
    x, y = train
    with pytest.raises(ValueError, match="single class"):
        fit_tft(x, np.ones(len(x)), NAMES, CONFIG)
    with pytest.raises(ValueError, match="0.0 and 1.0"):
        fit_tft(x, y * 2, NAMES, CONFIG)
    with pytest.raises(ValueError, match="features"):
        fit_tft(x, y, NAMES[:3], CONFIG)
    with pytest.raises(ValueError, match="steps"):
        fitted.predict(x[:, 1:])


def test_importing_the_module_stays_cheap() -> None:
    code = (
        "import sys, tft_assets.models.tft\n"
        "heavy = {'torch', 'lightning', 'pytorch_forecasting', 'pandas', 'dagster'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
