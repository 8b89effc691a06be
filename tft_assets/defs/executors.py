"""The executor of every job, chosen by ``TFT_EXECUTOR`` (see :data:`tft_assets.settings.EXECUTORS`).

``celery`` sends each step to a dagster-celery worker through the broker; the workers read
``deploy/celery.yaml`` (same variables, same queue). dagster_celery and celery are imported only
when that executor is chosen, so the default code location loads without them.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from tft_assets.settings import DEFAULT_CELERY_URL, Settings

CELERY_EXECUTOR_NAME = "tft_celery"
BROKER_ENV, BACKEND_ENV = "TFT_CELERY_BROKER_URL", "TFT_CELERY_BACKEND_URL"


def _url(var: str, is_set: bool) -> Any:
    """``{"env": var}`` when set (Dagster resolves it at run time, so a password in the URL is
    neither stored nor shown), else the local default."""
    return {"env": var} if is_set else DEFAULT_CELERY_URL


def celery_executor_config(settings: Settings) -> dict[str, Any]:
    """The ``celery_executor`` config of the settings: broker, backend and the steps' queue."""
    broker_set, backend_set = settings.celery_urls_set
    return {
        "broker": _url(BROKER_ENV, broker_set),
        "backend": _url(BACKEND_ENV, backend_set),
        "config_source": {
            "task_default_queue": settings.celery_queue,
            "broker_connection_retry_on_startup": True,
        },
    }


def build_executor(settings: Settings) -> dg.ExecutorDefinition | None:
    """The executor for ``settings``; ``None`` keeps Dagster's default."""
    if settings.executor == "in_process":
        return dg.in_process_executor
    if settings.executor == "multiprocess":
        return dg.multiprocess_executor
    if settings.executor == "celery":
        from dagster_celery import celery_executor

        return celery_executor.configured(
            celery_executor_config(settings), name=CELERY_EXECUTOR_NAME
        )
    return None
