"""The six risk rules, each at exactly its limit and just beyond it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from tft_assets.risk.portfolio import Order, PortfolioState, Position
from tft_assets.risk.rules import (
    ALREADY_OPEN,
    DRAWDOWN_HALT,
    DUPLICATE_CANDIDATE,
    INVALID_LEVELS,
    LOW_CONFIDENCE,
    MAX_POSITIONS,
    MISSING_ATR,
    MISSING_PRICE,
    NAN_PREDICTION,
    POSITION_SIZE,
    REWARD_RISK,
    STOP_DISTANCE,
    RiskConfig,
    assess,
    decide,
    reason_codes,
)

DAY = dt.date(2024, 3, 5)
CONFIG = RiskConfig()


def one(p_up=0.8, entry=100.0, atr=2.0, config=CONFIG, cost=0.0):
    c = assess(
        np.array(["AAA"]), np.array([p_up]), np.array([entry]), np.array([atr]), config, cost
    )
    return c, reason_codes(int(c.mask[0]))


# (name, candidate kwargs, config overrides, expected reasons)
STATIC_CASES = [
    ("confidence exactly 0.70 passes", {"p_up": 0.70}, {}, []),
    ("confidence just below 0.70", {"p_up": 0.6999}, {}, [LOW_CONFIDENCE]),
    ("stop distance exactly at the maximum", {"atr": 10.0}, {"max_stop_distance": 0.20}, []),
    (
        "stop distance just beyond the maximum",
        {"atr": 10.01},
        {"max_stop_distance": 0.20},
        [STOP_DISTANCE],
    ),
    (
        "stop distance exactly at the minimum",
        {"atr": 0.25},
        {"min_stop_distance": 0.005, "min_reward_risk": 1.0},
        [],
    ),
    (
        "stop distance just below the minimum",
        {"atr": 0.2499},
        {"min_stop_distance": 0.005, "min_reward_risk": 1.0},
        [STOP_DISTANCE],
    ),
    (
        "a stop at zero is no valid level (and 100 % away)",
        {"atr": 50.0},
        {"max_stop_distance": 0.99},
        [INVALID_LEVELS, STOP_DISTANCE],
    ),
    ("reward-to-risk exactly 2 passes", {}, {"take_profit_atr_multiple": 4.0}, []),
    ("reward-to-risk just below 2", {}, {"take_profit_atr_multiple": 3.999}, [REWARD_RISK]),
    ("NaN prediction", {"p_up": float("nan")}, {}, [NAN_PREDICTION]),
    ("missing price (halted ticker)", {"entry": float("nan")}, {}, [MISSING_PRICE]),
    ("missing ATR", {"atr": float("nan")}, {}, [MISSING_ATR]),
]


@pytest.mark.parametrize(("name", "cand", "overrides", "expected"), STATIC_CASES,
                         ids=[c[0] for c in STATIC_CASES])  # fmt: skip
def test_rules_one_to_three_at_and_beyond_their_limits(name, cand, overrides, expected) -> None:
    _, reasons = one(**cand, config=dataclasses.replace(CONFIG, **overrides))
    assert reasons == expected


def test_reward_to_risk_is_net_of_costs() -> None:
    # 4.5 ATR against 2 ATR is 2.25 gross; a round trip of 0.5 % of the entry on ATR 1 % of it
    # gives (4.5 - 0.5) / (2 + 0.5) = 1.6: rejected
    assert one(atr=1.0, cost=0.0)[1] == []
    c, reasons = one(atr=1.0, cost=0.005)
    assert reasons == [REWARD_RISK]
    assert c.reward_risk[0] == pytest.approx(1.6)


def test_levels_of_a_long_and_a_short() -> None:
    c, _ = one(entry=100.0, atr=2.0)
    assert (c.stop[0], c.take_profit[0], c.direction[0]) == (96.0, 109.0, 1)
    short = dataclasses.replace(CONFIG, allow_shorts=True)
    c, reasons = one(p_up=0.2, entry=100.0, atr=2.0, config=short)
    assert reasons == [] and c.direction[0] == -1 and c.confidence[0] == pytest.approx(0.8)
    assert c.take_profit[0] < 100.0 < c.stop[0]
    # without shorts a low P(up) is a long with low confidence
    assert one(p_up=0.2)[1] == [LOW_CONFIDENCE]


def test_position_fraction_risks_one_percent_and_caps_at_twenty() -> None:
    # stop 2 ATR = 4 % away: 1 % / 4 % = 25 % -> capped at exactly 20 %
    c, reasons = one(atr=2.0)
    assert reasons == [] and c.fraction[0] == pytest.approx(0.20)
    # stop 5 % away: exactly 20 %, not capped
    c, _ = one(atr=2.5)
    assert c.fraction[0] == pytest.approx(0.20)
    # stop 10 % away: 10 %
    c, _ = one(atr=5.0)
    assert c.fraction[0] == pytest.approx(0.10)


def test_duplicate_candidates_keep_the_first_row() -> None:
    c = assess(np.array(["AAA", "AAA", "BBB"]), np.array([0.8, 0.9, 0.8]),
               np.full(3, 100.0), np.full(3, 2.0), CONFIG)  # fmt: skip
    assert [reason_codes(int(m)) for m in c.mask] == [[], [DUPLICATE_CANDIDATE], []]


def _state(n_open: int = 0, cash: float = 100_000.0, equity: float = 100_000.0,
           peak: float = 100_000.0, pending: int = 0) -> PortfolioState:  # fmt: skip
    pos = [Position(f"s{i}", f"P{i}", 1, 1.0, DAY, 10.0, 0.0, 5.0, 20.0, None, 10.0)
           for i in range(n_open)]  # fmt: skip
    orders = [Order(f"o{i}", f"Q{i}", 1, DAY, 0.0, 0.1, 0.2, 5) for i in range(pending)]
    return PortfolioState(cash=cash, equity=equity, peak=peak, positions=pos, pending=orders)


def _decide(state: PortfolioState, n: int = 1, config: RiskConfig = CONFIG, entry_cost=0.0):
    tickers = np.array([f"C{i}" for i in range(n)])
    c = assess(tickers, np.linspace(0.9, 0.8, n), np.full(n, 100.0), np.full(n, 2.0), config)
    approved, mask = decide(c, state, config, entry_cost)
    return approved.tolist(), [reason_codes(int(m)) for m in mask]


@pytest.mark.parametrize(
    ("state", "approved", "reasons"),
    [
        (_state(n_open=4), [0], [[]]),  # the fifth position is allowed
        (_state(n_open=5), [], [[MAX_POSITIONS]]),  # a sixth is not
        (_state(n_open=3, pending=1), [0], [[]]),  # pending orders count
        (_state(n_open=4, pending=1), [], [[MAX_POSITIONS]]),
        (_state(equity=85_010.0, peak=100_000.0), [0], [[]]),  # drawdown 14.99 %
        (_state(equity=85_000.0, peak=100_000.0), [], [[DRAWDOWN_HALT]]),  # exactly 15 %
        (_state(cash=20_000.0), [0], [[]]),  # cash exactly covers 20 % of equity
        (_state(cash=19_999.99), [], [[POSITION_SIZE]]),
    ],
    ids=[
        "5th-ok",
        "6th-rejected",
        "pending-counts",
        "pending-full",
        "dd-14.99",
        "dd-15",
        "cash-exact",
        "cash-short",
    ],  # fmt: skip
)
def test_rules_four_to_six_at_and_beyond_their_limits(state, approved, reasons) -> None:
    assert _decide(state) == (approved, reasons)


def test_max_positions_approves_in_confidence_order() -> None:
    approved, reasons = _decide(_state(n_open=3), n=4)
    assert approved == [0, 1]
    assert reasons == [[], [], [MAX_POSITIONS], [MAX_POSITIONS]]


def test_already_open_and_entry_costs() -> None:
    state = _state()
    state.positions.append(Position("x", "C0", 1, 1.0, DAY, 10.0, 0.0, 5.0, 20.0, None, 10.0))
    assert _decide(state)[1] == [[ALREADY_OPEN]]
    # 20 % of equity plus 0.1 % entry costs does not fit in exactly 20 % of cash
    assert _decide(_state(cash=20_000.0), entry_cost=0.001)[1] == [[POSITION_SIZE]]


def test_invalid_config_says_what() -> None:
    with pytest.raises(ValueError, match="max_open_positions"):
        RiskConfig(max_open_positions=0)


def test_state_round_trips_exactly() -> None:
    state = _state(n_open=2, pending=1, cash=1234.5678901234567)
    state.as_of = DAY
    again = PortfolioState.from_json(state.to_json())
    assert again == state
