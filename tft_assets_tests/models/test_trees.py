import json

import numpy as np
import pytest

from tft_assets.models.trees import (
    TREE_KINDS,
    TreeModel,
    fit_tree,
    predict_trees,
    top_contributions,
    top_contributions_json,
)

NAMES = ("signal", "noise_a", "noise_b", "gappy")


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = (x[:, 0] + 0.8 * rng.normal(size=n) > 0).astype(float)
    x[rng.uniform(size=n) < 0.3, 3] = np.nan  # NaN handled natively
    return x.astype(np.float32), y


@pytest.mark.parametrize("kind", TREE_KINDS)
def test_learns_the_signal_handles_nan_and_is_deterministic(kind: str) -> None:
    x, y = _data(3000, 0)
    xt, yt = _data(2000, 1)
    a = fit_tree(kind, x, y, NAMES, seed=3)
    b = fit_tree(kind, x, y, NAMES, seed=3)
    p = a.predict(xt)
    assert ((p > 0.5) == yt).mean() > 0.75
    np.testing.assert_array_equal(p, b.predict(xt))
    imp = a.importance()
    assert max(imp, key=imp.get) == "signal" and sum(imp.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("kind", TREE_KINDS)
def test_bytes_round_trip_and_contributions_sum_to_the_logit(kind: str) -> None:
    x, y = _data(1500, 2)
    model = fit_tree(kind, x, y, NAMES, {"num_boost_round": 40})
    again = TreeModel.from_bytes(kind, model.to_bytes(), NAMES, model.params)
    np.testing.assert_allclose(again.predict(x[:50]), model.predict(x[:50]), rtol=0, atol=1e-7)
    contrib = model.contributions(x[:50])
    assert contrib.shape == (50, len(NAMES) + 1)
    p = model.predict(x[:50])
    np.testing.assert_allclose(contrib.sum(axis=1), np.log(p / (1 - p)), atol=1e-4)
    top = top_contributions(contrib, NAMES, k=3)
    assert len(top) == 50 and len(top[0]) == 3
    assert all(abs(r[0]["contribution"]) >= abs(r[1]["contribution"]) for r in top)


def test_bad_input_fails_with_a_clear_message() -> None:
    x, y = _data(200, 3)
    with pytest.raises(ValueError, match="single class"):
        fit_tree("xgboost", x, np.ones(200), NAMES)
    with pytest.raises(ValueError, match="unknown tree kind"):
        fit_tree("catboost", x, y, NAMES)
    model = fit_tree("lightgbm", x, y, NAMES, {"num_boost_round": 5})
    with pytest.raises(ValueError, match="expected 4 columns"):
        model.predict(x[:, :3])


def test_one_call_gives_the_same_probabilities_and_contributions_on_any_thread_count() -> None:
    x, y = _data(1500, 4)
    models = {k: fit_tree(k, x, y, NAMES, {"num_boost_round": 30}) for k in TREE_KINDS}
    for model in models.values():
        p, c = model.predict_with_contributions(x[:300], threads=1)
        p2, c2 = model.predict_with_contributions(x[:300], threads=2)
        np.testing.assert_array_equal(p, model.predict(x[:300]))
        np.testing.assert_array_equal(c, model.contributions(x[:300], threads=1))
        np.testing.assert_array_equal(p, p2)
        np.testing.assert_array_equal(c, c2)
        assert model.predict_with_contributions(x[:5], contributions=False)[1] is None
    together = predict_trees(models, x[:300], threads=2)
    alone = predict_trees(models, x[:300], threads=1)
    assert list(together) == list(TREE_KINDS)
    for kind, model in models.items():
        np.testing.assert_array_equal(together[kind][0], model.predict(x[:300]))
        np.testing.assert_array_equal(together[kind][1], alone[kind][1])
    assert predict_trees({}, None, threads=2) == {}


def test_top_contributions_json_is_json_dumps_of_the_top_list_ties_and_zeros_included() -> None:
    rng = np.random.default_rng(5)
    names = tuple(f"f{i}" for i in range(12))
    c = rng.normal(scale=0.05, size=(200, 13))
    c[:, 4:9] = 0.0  # never split on
    c[::5] = 0.0  # nothing to report: the first columns win, in order
    c[1, [2, 7, 10]] = [0.3, -0.3, 0.3]  # equal magnitudes: the lower column first
    c[2, 0] = -4e-7  # rounds to -0.0
    want = [json.dumps(r) for r in top_contributions(c, names, k=3)]
    assert top_contributions_json(c, names, k=3) == want
    assert json.loads(want[1])[0]["feature"] == "f2" and json.loads(want[1])[1]["feature"] == "f7"
    wide = [json.dumps(r) for r in top_contributions(c, names, k=20)]
    assert top_contributions_json(c, names, k=20) == wide
    c[3, 1] = np.nan
    assert top_contributions_json(c, names) == [json.dumps(r) for r in top_contributions(c, names)]
