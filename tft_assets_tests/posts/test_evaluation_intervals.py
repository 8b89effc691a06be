"""The bootstrap intervals of the ticker scores: seeded, around the point estimate, and wider
for fewer texts."""

from tft_assets.posts.evaluation import ticker_scores


def _sets(n_texts: int) -> tuple[list[list[str]], list[list[str]]]:
    # per 10 texts: 8 right, 1 with a false positive, 1 with a miss
    pred, truth = [], []
    for i in range(n_texts):
        k = i % 10
        truth.append(["GME"] if k != 9 else ["AMC"])
        pred.append(["GME", "SPY"] if k == 8 else (["GME"] if k != 9 else []))
    return pred, truth


def test_intervals_hold_the_point_estimate_and_narrow_with_more_texts():
    small, large = ticker_scores(*_sets(50)), ticker_scores(*_sets(500))
    for s in (small, large):
        low, high = s["recall_ci95"]
        assert low <= s["recall"] <= high and low < high
        low, high = s["precision_ci95"]
        assert low <= s["precision"] <= high and low < high
    width = lambda s, k: s[k][1] - s[k][0]  # noqa: E731
    assert width(large, "recall_ci95") < width(small, "recall_ci95") / 2
    assert ticker_scores(*_sets(50)) == small  # seeded


def test_perfect_extraction_has_a_degenerate_interval_and_empty_input_none():
    s = ticker_scores([["GME"]] * 20, [["GME"]] * 20)
    assert s["precision_ci95"] == [1.0, 1.0] and s["recall_ci95"] == [1.0, 1.0]
    assert ticker_scores([], [])["recall_ci95"] is None
