"""The models area: ``tuned_hyperparameters`` (weekly), ``trained_models`` and ``predictions``
(daily), their checks, and the weekly tuning schedule."""

from __future__ import annotations

import dagster as dg

from tft_assets.settings import Settings


def build_models_definitions(settings: Settings) -> dg.Definitions:
    from tft_assets.defs.models.assets import build_model_assets
    from tft_assets.defs.partitions import daily_partitions, weekly_partitions

    daily = daily_partitions(settings.start_date)
    weekly = weekly_partitions(settings.start_date)
    assets = build_model_assets(daily, weekly, settings.horizon_days)
    # Tagged `tft/stage: training`: the production instance (deploy/dagster.postgres.yaml) runs
    # one such run at a time
    training = {"tft/stage": "training"}
    tuning_job = dg.define_asset_job(
        "tuning_weekly_job",
        selection=["tuned_hyperparameters"],
        partitions_def=weekly,
        tags=training,
    )
    models_job = dg.define_asset_job(
        "models_daily_job",
        selection=["trained_models", "predictions"],
        partitions_def=daily,
        tags=training,
    )
    # Mondays 01:00 New York (after the nightly ingestion): tunes the week that starts that day
    schedule = dg.build_schedule_from_partitioned_job(
        tuning_job,
        hour_of_day=1,
        day_of_week=1,
        default_status=dg.DefaultScheduleStatus.RUNNING
        if settings.live
        else dg.DefaultScheduleStatus.STOPPED,
    )
    return dg.Definitions(assets=assets, jobs=[tuning_job, models_job], schedules=[schedule])
