"""The signals area: the signal book (``risk_validated_signals``, ``rejected_signals``,
``portfolio_state``, ``trades``), ``backtests``, and the webhook notification sensor."""

from __future__ import annotations

import dagster as dg

from tft_assets.settings import Settings


def build_signals_definitions(settings: Settings) -> dg.Definitions:
    from tft_assets.defs.partitions import daily_partitions
    from tft_assets.defs.signals.assets import build_signal_assets
    from tft_assets.defs.signals.notifications import build_signal_notification_sensor
    from tft_assets.defs.signals.resources import SignalsResource

    assets = build_signal_assets(daily_partitions(settings.start_date))
    sensor = build_signal_notification_sensor(live=settings.live)
    resource = SignalsResource(
        horizon_days=settings.horizon_days,
        backtest_window_sessions=settings.backtest_window_sessions,
        reports_dir=str((settings.data_dir / "reports").resolve()),
    )
    return dg.Definitions(assets=assets, sensors=[sensor], resources={"signals": resource})
