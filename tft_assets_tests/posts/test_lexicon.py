"""The vectorised lexicon scorer reproduces vaderSentiment and handles WSB slang."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tft_assets.posts.lexicon import lexicon_compound, vader_lexicon, wsb_lexicon

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"

VADER_CASES = [
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was good.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "no good at all",
    "It was the shit, never so good",
    "without doubt the best",
    "",
    "   ",
    "???",
    "I love it?? really???",
]


def test_matches_vader_on_reference_sentences() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    ref = SentimentIntensityAnalyzer()
    got = lexicon_compound(pl.Series(VADER_CASES), vader_lexicon()).to_list()
    want = [ref.polarity_scores(t)["compound"] for t in VADER_CASES]
    assert got == pytest.approx(want, abs=1e-4)


def test_agrees_with_vader_on_real_wsb_comments() -> None:
    path = REAL / "wsb_gme_search_2021-01-18_to_2021-02-02_acatsama_comments.csv.gz"
    if not path.exists():
        pytest.skip("real data not available")
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = pl.read_csv(path).get_column("body").drop_nulls().head(1500)
    ref = SentimentIntensityAnalyzer()
    want = np.array([ref.polarity_scores(t)["compound"] for t in texts.to_list()])
    got = lexicon_compound(texts, vader_lexicon()).to_numpy()
    exact = np.mean(np.abs(got - want) <= 1e-4)
    assert exact >= 0.99, exact


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("GME to the moon 🚀🚀🚀", 1),
        ("diamond hands 💎🙌 holding my tendies", 1),
        ("loading up on calls", 1),
        ("buying puts, this is a rug pull", -1),
        ("bagholders everywhere, it is dumping", -1),
        ("not bullish at all", -1),
        ("🌈🐻 drilling again", -1),
    ],
)
def test_wsb_lexicon_signs(text: str, sign: int) -> None:
    c = lexicon_compound(pl.Series([text]), wsb_lexicon()).item()
    assert np.sign(c) == sign, c


def test_null_and_empty_are_zero() -> None:
    out = lexicon_compound(pl.Series([None, "", "[deleted]"], dtype=pl.String), wsb_lexicon())
    assert out.to_list() == [0.0, 0.0, 0.0]
    assert lexicon_compound(pl.Series([], dtype=pl.String)).len() == 0
