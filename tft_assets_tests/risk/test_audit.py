"""The audit recomputes each rule from stored columns: a tampered row breaks exactly its rule."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tft_assets.risk.audit import violations
from tft_assets.risk.rules import RiskConfig

CONFIG = RiskConfig()
DAY = dt.date(2024, 3, 1)
GOOD = {
    "date": DAY, "ticker": "AAA", "direction": "long", "confidence": 0.8, "p_up": 0.8,
    "entry": 100.0, "stop_loss": 96.0, "take_profit": 109.0, "atr": 2.0, "stop_distance": 0.04,
    "position_fraction": 0.2, "reward_risk": 2.2,
}  # fmt: skip
STATE = {"date": DAY, "cash": 50.0, "equity": 100.0, "drawdown": 0.0, "n_open": 4, "n_pending": 1}


@pytest.mark.parametrize(
    ("signal", "state", "rule"),
    [
        ({}, {}, None),
        ({"confidence": 0.69, "p_up": 0.69}, {}, "rule 1 confidence below"),
        ({"confidence": 0.9}, {}, "rule 1 confidence is not"),
        ({"stop_loss": 101.0}, {}, "rule 2 levels"),
        ({"atr": 2.5}, {}, "rule 2 stop is not"),
        ({"stop_loss": 99.8, "atr": 0.1}, {}, "rule 2 stop distance"),
        ({"take_profit": 107.9}, {}, "rule 3"),
        ({"position_fraction": 0.21}, {}, "rule 4 position above"),
        ({"stop_loss": 90.0, "atr": 5.0, "take_profit": 125.0}, {}, "rule 4 position risks"),
        ({}, {"n_pending": 2}, "rule 5"),
        ({}, {"drawdown": 0.15}, "rule 6"),
        ({}, {"cash": -1.0}, "cash below zero"),
    ],
)
def test_each_rule_is_recomputed_from_the_stored_columns(signal, state, rule) -> None:
    found = violations(
        pl.DataFrame([{**GOOD, **signal}]), pl.DataFrame([{**STATE, **state}]), CONFIG, 0.0
    )
    if rule is None:
        assert found == []
    else:
        # a stop above the entry also breaks the ATR distance and the reward-to-risk
        assert found[0].startswith(rule), found
        assert len(found) == 1 or rule == "rule 2 levels", found
