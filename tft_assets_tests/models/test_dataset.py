import datetime as dt

import numpy as np
import polars as pl
import pytest

from tft_assets.models import known_before, model_data


def _sequences(tickers: list[str], ends: list[dt.date], length: int = 3) -> pl.DataFrame:
    rows = []
    for end in ends:
        for t in tickers:
            for step in range(length):
                rows.append(
                    {
                        "ticker": t,
                        "end_date": end,
                        "step": step,
                        "date": end - dt.timedelta(days=length - 1 - step),
                        "f1": float(step),
                        "f2": float(len(t)),
                    }
                )
    return pl.DataFrame(rows).with_columns(
        pl.col("step").cast(pl.Int32), pl.col("f1", "f2").cast(pl.Float32)
    )


def test_model_data_joins_labels_by_end_date_and_leaves_unknown_nan() -> None:
    ends = [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    seq = _sequences(["AAA", "BB"], ends)
    labels = pl.DataFrame(
        {
            "ticker": ["AAA", "BB"],
            "date": [ends[0], ends[0]],
            "fwd_return": [0.02, -0.01],
            "label_up": [True, False],
        }
    )
    data = model_data(seq, labels)
    assert data.x.shape == (4, 3, 2) and data.feature_names == ("f1", "f2")
    assert data.index["ticker"].to_list() == ["AAA", "BB", "AAA", "BB"]
    np.testing.assert_array_equal(data.y[:2], [1.0, 0.0])
    assert np.isnan(data.y[2:]).all() and np.isnan(data.fwd_return[2:]).all()
    assert len(data.labelled()) == 2


@pytest.mark.parametrize(
    ("day", "horizon", "last_known"),
    [
        # Friday 2024-01-12, h=5: t + 5 sessions < Jan 12 -> t <= Jan 4 (Jan 4 + 5 = Jan 11)
        (dt.date(2024, 1, 12), 5, dt.date(2024, 1, 4)),
        # Saturday behaves as the Monday after it: sessions strictly before are the same set
        (dt.date(2024, 1, 13), 5, dt.date(2024, 1, 5)),
        (dt.date(2024, 1, 12), 1, dt.date(2024, 1, 10)),
    ],
)
def test_known_before_is_the_purge(day: dt.date, horizon: int, last_known: dt.date) -> None:
    ends = np.array(
        [np.datetime64(last_known, "D"), np.datetime64(last_known + dt.timedelta(days=1), "D")]
    )
    mask = known_before(ends, day, horizon)
    assert mask.tolist() == [True, False]
