from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tft_assets.calendar import session_of
from tft_assets.features import FeatureConfig, assign_sessions, compute_sentiment_features
from tft_assets.schemas import SCORED_POSTS_SCHEMA

ET = dt.timezone(dt.timedelta(hours=-5))  # EST (January)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2024, 12, 31)),
        min_size=1,
        max_size=40,
    )
)
def test_vectorised_sessions_equal_session_of(stamps: list[dt.datetime]) -> None:
    utc = [s.replace(tzinfo=dt.UTC) for s in stamps]
    got = assign_sessions(pl.Series(utc, dtype=pl.Datetime("us", "UTC"))).to_list()
    assert got == [session_of(t) for t in utc]


def _posts(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"post_id": pid, "kind": "comment", "created_utc": ts.astimezone(dt.UTC), "quality_score": q,
             "quality_tier": "good", "is_quality": ok, "tickers": tk, "sentiment": s, "ticker_sentiment": ts_list}
            for pid, ts, q, ok, tk, s, ts_list in rows
        ],
        schema=SCORED_POSTS_SCHEMA,
    )  # fmt: skip


D = dt.date(2021, 1, 12)  # Tuesday
SESS = [dt.date(2021, 1, 11), D, dt.date(2021, 1, 13)]


def _at(hour: int, minute: int = 0, day: dt.date = D) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ET)


@pytest.mark.parametrize(
    ("rows", "ticker", "expected"),
    [
        # two quality posts before the close: weights 0.5 and 1.0 -> (0.5*0.2 + 1.0*0.8) / 1.5
        ([("a", _at(10), 50.0, True, ["GME"], 0.0, [0.2]), ("b", _at(15, 59), 100.0, True, ["GME"], 0.0, [0.8])],
         "GME", {"mention_count": 2, "sentiment_mean": 0.6, "sentiment_extreme_pos": 0}),
        # at the close -> next session; low quality ignored
        ([("a", _at(16), 90.0, True, ["GME"], 0.9, [0.9]), ("b", _at(12), 90.0, False, ["GME"], 0.9, [0.9])],
         "GME", {"mention_count": 0, "sentiment_mean": None}),
        # ticker sentiment missing -> post sentiment; extremes counted per side
        ([("a", _at(9), 80.0, True, ["AMC", "GME"], -0.9, None), ("b", _at(11), 80.0, True, ["AMC"], 0.0, [0.95])],
         "AMC", {"mention_count": 2, "sentiment_extreme_pos": 1, "sentiment_extreme_neg": 1, "sentiment_mean": pytest.approx(0.025)}),
        # previous evening (after the 11th's close) belongs to D
        ([("a", _at(18, 0, dt.date(2021, 1, 11)), 60.0, True, ["GME"], 0.3, [0.3])],
         "GME", {"mention_count": 1, "sentiment_mean": pytest.approx(0.3)}),
    ],
)  # fmt: skip
def test_session_aggregates(rows, ticker: str, expected: dict) -> None:
    feats = compute_sentiment_features(_posts(rows), SESS, FeatureConfig(), tickers=["AMC", "GME"])
    row = feats.filter((pl.col("ticker") == ticker) & (pl.col("date") == D)).to_dicts()[0]
    for k, v in expected.items():
        assert row[k] == v, k


def test_mention_zscore_is_an_attention_shock_against_own_history() -> None:
    days = pl.date_range(dt.date(2021, 1, 4), dt.date(2021, 3, 31), eager=True).to_list()
    from tft_assets.calendar import trading_days

    sessions = trading_days(days[0], days[-1])
    rows = []
    for i, s in enumerate(sessions):
        n = 2 + (i % 2)  # 2,3,2,3 ... then a burst of 20 on the last session
        if s == sessions[-1]:
            n = 20
        rows += [(f"p{i}-{k}", _at(11, k, s), 70.0, True, ["GME"], 0.1, [0.1]) for k in range(n)]
    feats = compute_sentiment_features(
        _posts(rows), sessions, FeatureConfig(), tickers=["GME"]
    ).sort("date")
    z = feats["mention_zscore"].to_list()
    assert all(v is None for v in z[:20])  # not enough history
    assert abs(z[-2]) < 2 and z[-1] > 10
