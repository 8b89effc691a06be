"""The six risk rules a candidate must pass to become a signal, with their reason codes.

1. ``low_confidence``: the calibrated confidence (P(up) for a long, 1 - P(up) for a short) is
   below ``min_confidence`` (0.70).
2. ``invalid_levels`` / ``stop_distance``: a long needs ``0 < stop < entry < take_profit`` (a
   short the mirror); the stop is ``stop_atr_multiple`` x ATR from the entry and its distance
   must lie within ``[min_stop_distance, max_stop_distance]`` of the entry.
3. ``reward_risk``: (reward - round-trip costs) / (risk + round-trip costs) is below
   ``min_reward_risk`` (2). Costs count against the trade, so a low-volatility name whose ATR is
   small next to its costs fails even with the default target of 4.5 ATR against a 2 ATR stop.
4. ``position_size``: fixed-fractional sizing risks ``risk_per_trade`` (1 %) of equity at the stop,
   capped at ``max_position_fraction`` (20 %) of equity; a candidate whose sized position (with
   entry costs) does not fit in the free cash is rejected.
5. ``max_positions``: at most ``max_open_positions`` (5) positions, counting orders waiting to fill.
6. ``drawdown_halt``: no new entries while equity is ``max_drawdown`` (15 %) or more below its peak.

Data reasons come before the rules: ``nan_prediction``, ``missing_price`` (no close on the signal
day, e.g. a halted ticker), ``missing_atr``, ``duplicate_candidate`` (a second row for a ticker),
and ``already_open`` (a position or order in that ticker exists). Rules 1-4 are vectorised over
a day's candidates; 5, 6 and the cash test read the portfolio and go in confidence order.
Every limit is inclusive: a value exactly at its limit passes (confidence 0.70, reward-to-risk
2.0, 5 open positions after this one), except the drawdown, which halts at exactly 15 %.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tft_assets.risk.portfolio import PortfolioState

NAN_PREDICTION = "nan_prediction"
MISSING_PRICE = "missing_price"
MISSING_ATR = "missing_atr"
DUPLICATE_CANDIDATE = "duplicate_candidate"
LOW_CONFIDENCE = "low_confidence"  # rule 1
INVALID_LEVELS = "invalid_levels"  # rule 2
STOP_DISTANCE = "stop_distance"  # rule 2
REWARD_RISK = "reward_risk"  # rule 3
POSITION_SIZE = "position_size"  # rule 4
MAX_POSITIONS = "max_positions"  # rule 5
DRAWDOWN_HALT = "drawdown_halt"  # rule 6
ALREADY_OPEN = "already_open"

REASONS: tuple[str, ...] = (
    NAN_PREDICTION,
    MISSING_PRICE,
    MISSING_ATR,
    DUPLICATE_CANDIDATE,
    LOW_CONFIDENCE,
    INVALID_LEVELS,
    STOP_DISTANCE,
    REWARD_RISK,
    POSITION_SIZE,
    MAX_POSITIONS,
    DRAWDOWN_HALT,
    ALREADY_OPEN,
)
BIT: dict[str, int] = {r: 1 << i for i, r in enumerate(REASONS)}
#: The rule each reason code belongs to (0: a data reason).
RULE_OF: dict[str, int] = {
    NAN_PREDICTION: 0,
    MISSING_PRICE: 0,
    MISSING_ATR: 0,
    DUPLICATE_CANDIDATE: 0,
    ALREADY_OPEN: 0,
    LOW_CONFIDENCE: 1,
    INVALID_LEVELS: 2,
    STOP_DISTANCE: 2,
    REWARD_RISK: 3,
    POSITION_SIZE: 4,
    MAX_POSITIONS: 5,
    DRAWDOWN_HALT: 6,
}


def reason_codes(mask: int) -> list[str]:
    """The reason codes set in a bit mask, in :data:`REASONS` order."""
    return [r for r in REASONS if mask & BIT[r]]


@dataclass(frozen=True)
class RiskConfig:
    """Thresholds of the six rules (see the module docstring)."""

    min_confidence: float = 0.70
    stop_atr_multiple: float = 2.0
    take_profit_atr_multiple: float = 4.5
    min_stop_distance: float = 0.005  # fraction of the entry
    max_stop_distance: float = 0.20
    min_reward_risk: float = 2.0
    risk_per_trade: float = 0.01  # fraction of equity lost at the stop
    max_position_fraction: float = 0.20
    max_open_positions: int = 5
    max_drawdown: float = 0.15
    allow_shorts: bool = False

    def __post_init__(self) -> None:
        checks = {
            "min_confidence in [0.5, 1]": 0.5 <= self.min_confidence <= 1.0,
            "stop_atr_multiple > 0": self.stop_atr_multiple > 0,
            "take_profit_atr_multiple > 0": self.take_profit_atr_multiple > 0,
            "0 <= min_stop_distance < max_stop_distance < 1": 0
            <= self.min_stop_distance
            < self.max_stop_distance
            < 1,
            "min_reward_risk > 0": self.min_reward_risk > 0,
            "risk_per_trade in (0, 1)": 0 < self.risk_per_trade < 1,
            "max_position_fraction in (0, 1]": 0 < self.max_position_fraction <= 1,
            "max_open_positions >= 1": self.max_open_positions >= 1,
            "max_drawdown in (0, 1]": 0 < self.max_drawdown <= 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid RiskConfig: {', '.join(bad)}")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Candidates:
    """One day's candidates after rules 1-4; arrays of equal length, prices as given."""

    ticker: np.ndarray  # str
    p_up: np.ndarray
    direction: np.ndarray  # +1 / -1
    confidence: np.ndarray
    entry: np.ndarray
    stop: np.ndarray
    take_profit: np.ndarray
    reward_risk: np.ndarray
    stop_distance: np.ndarray  # fraction of the entry
    fraction: np.ndarray  # sized position, fraction of equity
    mask: np.ndarray  # int64 reason bits

    def __len__(self) -> int:
        return len(self.ticker)

    def take(self, idx: np.ndarray) -> Candidates:
        """The candidates at ``idx`` (a view per array)."""
        return Candidates(**{k: v[idx] for k, v in self.__dict__.items()})


def assess(
    tickers: np.ndarray,
    p_up: np.ndarray,
    entry: np.ndarray,
    atr: np.ndarray,
    config: RiskConfig,
    round_trip_cost: float = 0.0,
    dedupe: bool = True,
) -> Candidates:
    """Rules 1-4 (and the data reasons) for one day's candidates, vectorised.

    ``entry`` is the reference price (the signal day's close) and ``atr`` the ATR in the same
    units; ``round_trip_cost`` is slippage plus commission on both sides, as a fraction of the
    entry. ``dedupe`` marks a ticker's second and later rows ``duplicate_candidate`` (one day's
    rows); pass False for flattened (day, ticker) arrays that hold one row per pair already.
    """
    tickers = np.asarray(tickers, dtype=object)
    p = np.asarray(p_up, dtype=np.float64)
    px = np.asarray(entry, dtype=np.float64)
    atr = np.asarray(atr, dtype=np.float64)
    n = len(tickers)
    mask = np.zeros(n, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        bad_p = ~np.isfinite(p) | (p < 0) | (p > 1)
        mask[bad_p] |= BIT[NAN_PREDICTION]
        mask[~(np.isfinite(px) & (px > 0))] |= BIT[MISSING_PRICE]
        mask[~(np.isfinite(atr) & (atr > 0))] |= BIT[MISSING_ATR]
        if n and dedupe:
            _, first = np.unique(tickers.astype(str), return_index=True)
            dup = np.ones(n, dtype=bool)
            dup[first] = False
            mask[dup] |= BIT[DUPLICATE_CANDIDATE]
        direction = np.where(config.allow_shorts & (p < 0.5), -1, 1).astype(np.int64)
        confidence = np.where(direction == 1, p, 1.0 - p)
        mask[~bad_p & ~(confidence >= config.min_confidence)] |= BIT[LOW_CONFIDENCE]
        dist = config.stop_atr_multiple * atr
        stop = px - direction * dist
        take_profit = px + direction * config.take_profit_atr_multiple * atr
        lo, hi = np.minimum(stop, take_profit), np.maximum(stop, take_profit)
        ordered = np.where(direction == 1, stop < px, stop > px) & (lo < px) & (px < hi)
        levels_ok = (lo > 0) & ordered & np.isfinite(stop) & np.isfinite(take_profit)
        priced = (mask & (BIT[MISSING_PRICE] | BIT[MISSING_ATR])) == 0
        mask[priced & ~levels_ok] |= BIT[INVALID_LEVELS]
        stop_distance = dist / px
        in_band = (stop_distance >= config.min_stop_distance) & (
            stop_distance <= config.max_stop_distance
        )
        mask[priced & ~in_band] |= BIT[STOP_DISTANCE]
        cost = round_trip_cost * px
        reward = np.abs(take_profit - px) - cost
        risk = np.abs(px - stop) + cost
        reward_risk = reward / risk
        mask[priced & ~(reward_risk >= config.min_reward_risk)] |= BIT[REWARD_RISK]
        fraction = np.minimum(config.risk_per_trade / stop_distance, config.max_position_fraction)
    return Candidates(
        ticker=tickers,
        p_up=p,
        direction=direction,
        confidence=confidence,
        entry=px,
        stop=stop,
        take_profit=take_profit,
        reward_risk=reward_risk,
        stop_distance=stop_distance,
        fraction=fraction,
        mask=mask,
    )


def decide(
    cands: Candidates, state: PortfolioState, config: RiskConfig, entry_cost: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Rules 5, 6 and the cash test of rule 4, in descending confidence.

    Returns ``(approved, mask)``: the indices approved (in approval order) and every candidate's
    final reason bits. ``entry_cost`` is slippage plus commission on the entry, as a fraction of
    the notional; the free cash is the cash less what waiting orders will spend.
    """
    mask = cands.mask.copy()
    passing = np.flatnonzero(mask == 0)
    if state.drawdown >= config.max_drawdown:
        mask |= BIT[DRAWDOWN_HALT]
        return np.empty(0, dtype=np.int64), mask
    if passing.size == 0:
        return passing, mask
    order = passing[np.argsort(-cands.confidence[passing], kind="stable")]
    held = state.tickers_held()
    is_held = np.fromiter((t in held for t in cands.ticker[order]), dtype=bool, count=order.size)
    mask[order[is_held]] |= BIT[ALREADY_OPEN]
    rest = order[~is_held]
    slots = config.max_open_positions - len(state.positions) - len(state.pending)
    free = state.cash - sum(o.notional for o in state.pending) * (1.0 + entry_cost)
    need = cands.fraction[rest] * state.equity * (1.0 + entry_cost)
    approved: list[int] = []
    k = 0  # greedy in confidence order, one iteration per approval (at most ``slots``)
    while k < rest.size:
        if slots <= 0:
            mask[rest[k:]] |= BIT[MAX_POSITIONS]
            break
        fits = np.flatnonzero(need[k:] <= free)
        if fits.size == 0:
            mask[rest[k:]] |= BIT[POSITION_SIZE]
            break
        j = k + int(fits[0])
        mask[rest[k:j]] |= BIT[POSITION_SIZE]  # too large for the cash left, in order
        approved.append(int(rest[j]))
        slots -= 1
        free -= need[j]
        k = j + 1
    return np.asarray(approved, dtype=np.int64), mask
