"""OHLCV files -> SOURCE_PRICES_SCHEMA, and the file-backed PricesSource."""

from __future__ import annotations

import datetime as dt
import gzip

import polars as pl
import pytest

from tft_assets.schemas import SOURCE_PRICES_SCHEMA
from tft_assets.sources.base import PricesSource
from tft_assets.sources.files import FilePricesSource, read_prices_file
from tft_assets_tests.conftest import real_file

LONG_CSV = (
    "date,ticker,open,high,low,close,volume\n"
    "2021-01-25,gme ,96.73,159.18,61.13,76.79,177874000\n"
    "2021-01-26,GME,88.56,150.0,80.2,147.98,178588000.0\n"
    "2021-01-26,AMC,4.0,,3.0,nan,-5\n"
)

YAHOO_CSV = (
    "Date,Symbol,Open,High,Low,Close,Adj Close,Volume,Stock Splits\n"
    "2022-07-21 00:00:00-04:00,GME,140.0,150.0,139.0,147.0,147.0,1000,0\n"
    "2022-07-22,GME,36.0,38.0,35.0,37.0,36.5,4000,4\n"
)


def _contract(df: pl.DataFrame) -> None:
    assert list(df.schema.items()) == list(SOURCE_PRICES_SCHEMA.items())


@pytest.mark.parametrize("compressed", [False, True])
def test_long_csv_maps_without_judging(tmp_path, compressed):
    path = tmp_path / ("p.csv.gz" if compressed else "p.csv")
    path.write_bytes(gzip.compress(LONG_CSV.encode()) if compressed else LONG_CSV.encode())
    df = read_prices_file(path)
    _contract(df)
    assert df["ticker"].to_list() == ["GME", "GME", "AMC"]
    assert df["date"].to_list() == [
        dt.date(2021, 1, 25),
        dt.date(2021, 1, 26),
        dt.date(2021, 1, 26),
    ]
    assert df["adj_close"].to_list()[:2] == [76.79, 147.98]  # no adj_close column -> close
    assert df["volume"].to_list() == [177874000, 178588000, -5]  # negative kept for ingestion
    assert df["split_ratio"].to_list() == [1.0, 1.0, 1.0]
    amc = df.row(2, named=True)
    assert amc["high"] is None and (amc["close"] is None or amc["close"] != amc["close"])
    assert df["source"].unique().to_list() == [f"files:{path.name}"]


def test_yahoo_style_columns_and_splits(tmp_path):
    path = tmp_path / "gme.csv"
    path.write_text(YAHOO_CSV)
    df = read_prices_file(path)
    _contract(df)
    assert df["date"].to_list() == [dt.date(2022, 7, 21), dt.date(2022, 7, 22)]
    assert df["split_ratio"].to_list() == [1.0, 4.0]
    assert df["adj_close"].to_list() == [147.0, 36.5]


def test_parquet_round_trip(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text(YAHOO_CSV)
    df = read_prices_file(src)
    df.drop("source").write_parquet(tmp_path / "p.parquet")
    back = read_prices_file(tmp_path / "p.parquet")
    assert back.drop("source").equals(df.drop("source"))


def test_missing_columns_fail_in_one_line(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("date,GME,AMC\n2021-01-04,17.25,2.01\n")
    with pytest.raises(ValueError, match="missing price column") as err:
        read_prices_file(path)
    assert "ticker" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(FileNotFoundError):
        read_prices_file(tmp_path / "nope.csv")


def test_source_filters_and_notes_missing_tickers(tmp_path):
    (tmp_path / "a.csv").write_text(LONG_CSV)
    (tmp_path / "b.csv").write_text(YAHOO_CSV)
    source = FilePricesSource(str(tmp_path / "*.csv"))
    assert isinstance(source, PricesSource)
    got = source.fetch_prices(["gme", "TSLA"], dt.date(2021, 1, 26), dt.date(2022, 7, 21))
    assert got.frame["date"].to_list() == [dt.date(2021, 1, 26), dt.date(2022, 7, 21)]
    assert set(got.notes) == {"TSLA"} and "no rows" in got.notes["TSLA"]
    with pytest.raises(FileNotFoundError):
        FilePricesSource(str(tmp_path / "none_*.csv")).fetch_prices(
            ["X"], dt.date(2021, 1, 1), dt.date(2021, 1, 2)
        )


def test_real_prices_file_imports_to_contract():
    path = real_file("prices_daily_wsb_tickers.csv")
    df = read_prices_file(path)
    _contract(df)
    assert df.height == 3_169
    counts = dict(df.group_by("ticker").len().iter_rows())
    assert counts == {
        "GME": 777, "AMC": 777, "SPY": 598, "BB": 144, "NOK": 144, "AG": 125, "BBBY": 125,
        "CTRM": 125, "EXPR": 125, "NAKD": 125, "PLTR": 83, "TSLA": 21,
    }  # fmt: skip
    assert (
        df.select(pl.col("open", "high", "low", "close", "volume").null_count())
        .sum_horizontal()
        .item()
        == 0
    )
    assert df.select(["ticker", "date"]).is_unique().all()
    assert (df["split_ratio"] == 1.0).all()  # split_factor_applied is not a split event
    gme = df.filter((pl.col("ticker") == "GME") & (pl.col("date") == dt.date(2020, 8, 3)))
    assert gme["close"].item() == pytest.approx(4.15) and gme["volume"].item() == 2_517_600
