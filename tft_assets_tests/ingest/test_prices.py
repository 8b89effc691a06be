import datetime as dt
import math

import polars as pl
import pytest

from tft_assets.ingest import ingest_prices
from tft_assets.schemas import RAW_PRICES_SCHEMA

DAY = "2024-01-02"


def _bars(n: int = 3, **over) -> pl.DataFrame:
    base = {
        "date": [dt.date(2024, 1, 2)] * n,
        "ticker": [f"T{i}" for i in range(n)],
        "open": [10.0] * n,
        "high": [11.0] * n,
        "low": [9.0] * n,
        "close": [10.5] * n,
        "adj_close": [10.5] * n,
        "volume": [1000] * n,
        "split_ratio": [1.0] * n,
        "source": ["test"] * n,
    }
    base.update(over)
    return pl.DataFrame(base)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("close", math.nan, "non-positive or NaN price"),
        ("open", -1.0, "non-positive or NaN price"),
        ("low", 0.0, "non-positive or NaN price"),
        ("high", 8.5, "high < low"),
        ("close", 11.5, "OHLC inconsistent"),
        ("volume", -5, "negative volume"),
        ("volume", None, "missing volume"),
        ("split_ratio", -2.0, "invalid split ratio"),
        ("split_ratio", math.nan, "invalid split ratio"),
        ("split_ratio", math.inf, "invalid split ratio"),
        ("ticker", None, "missing ticker or date"),
        ("ticker", "A B", "invalid ticker"),
        ("ticker", "GM\nE", "invalid ticker"),
        ("ticker", "ÄPPL", "invalid ticker"),
        ("ticker", "X" * 25, "invalid ticker"),
    ],
)
def test_bad_bars_quarantined(column, value, reason):
    bars = _bars()
    vals = bars.get_column(column).to_list()
    vals[0] = value
    bars = bars.with_columns(pl.Series(column, vals, dtype=bars.schema[column]))
    res = ingest_prices(bars, [DAY], [DAY])
    assert res.kept_rows == 2
    assert res.quarantine[DAY].item(0, "reason").startswith(reason)


def test_duplicate_bar_and_non_session_rejected():
    bars = pl.concat([_bars(2), _bars(1), _bars(1, date=[dt.date(2024, 1, 1)])])
    res = ingest_prices(bars, ["2024-01-01", DAY], [DAY])
    reasons = sorted(
        res.quarantine[DAY].get_column("reason").to_list()
        + res.quarantine["2024-01-01"].get_column("reason").to_list()
    )
    assert reasons == ["duplicate (ticker, date)", "not a trading day"]
    assert res.quarantine["2024-01-01"].get_column("detail").to_list() == ["2024-01-01"]
    assert res.partitions["2024-01-01"].height == 0
    assert dict(res.partitions[DAY].schema) == RAW_PRICES_SCHEMA


def test_tickers_normalised_and_adj_close_defaults_to_close():
    res = ingest_prices(_bars(1, ticker=[" gme "], adj_close=[None]), [DAY], [DAY])
    row = res.partitions[DAY].row(0, named=True)
    assert row["ticker"] == "GME" and row["adj_close"] == row["close"]


@pytest.mark.parametrize("ticker", ["BRK-B", "BF.B", "^GSPC", "EURUSD=X", "BRK/B", "005930.KS"])
def test_symbols_with_separators_are_tickers(ticker):
    assert ingest_prices(_bars(1, ticker=[ticker]), [DAY], [DAY]).kept_rows == 1


def test_a_bar_dated_after_the_last_partition_is_in_the_future():
    bars = _bars(2, date=[dt.date(2024, 1, 2), dt.date(2999, 1, 2)])
    res = ingest_prices(bars, [DAY], [DAY], last_partition="2026-01-01")
    q = res.quarantine[DAY]
    assert res.kept_rows == 1
    assert q.select("reason", "detail").rows() == [
        ("after the last partition (in the future)", "2999-01-02")
    ]


def test_no_columns_no_rows():
    """A source that returned nothing (a frame without columns) is no row, not a row of nulls."""
    res = ingest_prices(pl.DataFrame(), [DAY], [DAY])
    assert res.kept_rows == res.quarantined_rows == res.stats["rows_in"] == 0
