"""Demo world generation speed (1 year x 20 tickers of posts + prices, target < 20 s on one
core) and the oracle's realised accuracy at signal strength 0 and 1 (2 years x 20 tickers)."""

from __future__ import annotations

import datetime as dt
import time

GENERATION_TARGET_SECONDS = 20.0
YEAR = 2021
ACCURACY_START, ACCURACY_END = dt.date(2020, 1, 1), dt.date(2021, 12, 31)


def _generation() -> dict:
    from tft_assets import calendar
    from tft_assets.sources.demo import DemoWorld, DemoWorldConfig

    calendar.trading_days(dt.date(YEAR, 1, 1), dt.date(YEAR, 1, 31))  # load the exchange calendar
    world = DemoWorld(DemoWorldConfig(n_tickers=20))
    t0, c0 = time.perf_counter(), time.process_time()
    prices = world.fetch_prices(world.tickers, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)).frame
    t1 = time.perf_counter()
    start = calendar.day_bounds_utc(dt.date(YEAR, 1, 1))[0]
    end = calendar.day_bounds_utc(dt.date(YEAR, 12, 31))[1]
    posts = world.fetch_posts(start, end).frame
    t2, c2 = time.perf_counter(), time.process_time()
    total = t2 - t0
    return {
        "price_rows": prices.height,
        "post_rows": posts.height,
        "posts_per_calendar_day": round(posts.height / 365, 1),
        "prices_seconds": round(t1 - t0, 3),
        "posts_seconds": round(t2 - t1, 3),
        "total_seconds": round(total, 3),
        "total_cpu_seconds": round(c2 - c0, 3),
        "posts_per_second": round(posts.height / (t2 - t1)),
        "target_seconds": GENERATION_TARGET_SECONDS,
        "met": total < GENERATION_TARGET_SECONDS,
    }


def _oracle_hit_rate(strength: float, horizon: int = 5) -> dict:
    import polars as pl

    from tft_assets import calendar
    from tft_assets.sources.demo import DemoWorld, DemoWorldConfig, oracle_accuracy

    world = DemoWorld(DemoWorldConfig(signal_strength=strength, horizon_days=horizon))
    last = calendar.shift_trading_days(ACCURACY_END, horizon)
    frame = world.fetch_prices(world.tickers, ACCURACY_START, last).frame
    sessions = calendar.trading_days(ACCURACY_START, last)
    frame = frame.join(pl.DataFrame({"date": sessions, "i": list(range(len(sessions)))}), on="date")
    forward = frame.select(
        "ticker", (pl.col("i") - horizon).alias("i"), pl.col("adj_close").alias("fwd")
    )
    joined = frame.join(forward, on=["ticker", "i"]).filter(pl.col("date") <= ACCURACY_END)
    hit = ((joined["gt_oracle_p_up"] > 0.5) == (joined["fwd"] > joined["adj_close"])).mean()
    return {
        "strength": strength,
        "rows": joined.height,
        "realised_accuracy": round(float(hit), 4),
        "closed_form_accuracy": round(oracle_accuracy(strength=strength, horizon_days=horizon), 4),
    }


def run() -> dict:
    generation = _generation()
    null_world = _oracle_hit_rate(0.0)
    default_world = _oracle_hit_rate(1.0)
    return {
        "generation_1y_20_tickers": generation,
        "oracle_null_world": null_world,
        "oracle_default_world": default_world,
        "met": bool(
            generation["met"]
            and abs(null_world["realised_accuracy"] - 0.5) < 0.03
            and default_world["realised_accuracy"] > 0.55
        ),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
