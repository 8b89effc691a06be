"""The configuration of the signal book and the backtests, as a resource the launchpad can
override (each field maps onto :class:`~tft_assets.risk.rules.RiskConfig`,
:class:`~tft_assets.backtest.engine.Costs` or the backtest window)."""

from __future__ import annotations

from typing import Any

import dagster as dg
from pydantic import Field


class SignalsResource(dg.ConfigurableResource):
    """Risk rules, costs and backtest settings."""

    min_confidence: float = Field(default=0.70, description="Rule 1: calibrated confidence >=.")
    stop_atr_multiple: float = Field(default=2.0, description="Rule 2: stop = k x ATR(14).")
    take_profit_atr_multiple: float = Field(default=4.5, description="Target = m x ATR(14).")
    min_stop_distance: float = Field(
        default=0.005, description="Rule 2: stop distance >= (fraction)."
    )
    max_stop_distance: float = Field(
        default=0.20, description="Rule 2: stop distance <= (fraction)."
    )
    min_reward_risk: float = Field(default=2.0, description="Rule 3, net of round-trip costs.")
    risk_per_trade: float = Field(default=0.01, description="Rule 4: equity risked at the stop.")
    max_position_fraction: float = Field(default=0.20, description="Rule 4: cap, of equity.")
    max_open_positions: int = Field(default=5, description="Rule 5, pending orders included.")
    max_drawdown: float = Field(default=0.15, description="Rule 6: no entries at this drawdown.")
    allow_shorts: bool = Field(default=False, description="Short when P(up) < 1 - min_confidence.")
    slippage: float = Field(default=0.0005, description="Per side, fraction of the price.")
    commission: float = Field(default=0.0005, description="Per side, fraction of the notional.")
    initial_equity: float = Field(default=100_000.0, description="Starting equity (currency).")
    horizon_days: int = Field(default=5, description="Sessions a position is held at most.")
    backtest_window_sessions: int = Field(
        default=252, description="Decision sessions a backtest spans."
    )
    top_k: int = Field(default=5, description="Positions per session of the top-k portfolios.")
    reports_dir: str = Field(description="Where the HTML backtest reports go.")

    def risk_config(self) -> Any:
        from tft_assets.risk.rules import RiskConfig

        return RiskConfig(
            **{k: getattr(self, k) for k in RiskConfig.__dataclass_fields__},
        )

    def execution(self) -> Any:
        from tft_assets.backtest.engine import Costs, ExecutionConfig

        return ExecutionConfig(
            costs=Costs(slippage=self.slippage, commission=self.commission),
            initial_equity=self.initial_equity,
        )


def signals_resource(settings: Any) -> SignalsResource:
    """The resource of a deployment's settings (horizon, backtest window, reports under data)."""
    return SignalsResource(
        horizon_days=settings.horizon_days,
        backtest_window_sessions=settings.backtest_window_sessions,
        reports_dir=str((settings.data_dir / "reports").resolve()),
    )
