"""The signals area: the signal book (``risk_validated_signals``, ``rejected_signals``,
``portfolio_state``, ``trades``), ``backtests``, and the webhook notification sensor."""

from __future__ import annotations

import dagster as dg

from tft_assets.settings import Settings


def build_signals_definitions(settings: Settings) -> dg.Definitions:
    from tft_assets.defs.partitions import daily_partitions
    from tft_assets.defs.signals.assets import build_signal_assets
    from tft_assets.defs.signals.notifications import build_signal_notification_sensor
    from tft_assets.defs.signals.resources import signals_resource

    assets = build_signal_assets(daily_partitions(settings.start_date))
    sensor = build_signal_notification_sensor(live=settings.live)
    return dg.Definitions(
        assets=assets, sensors=[sensor], resources={"signals": signals_resource(settings)}
    )
