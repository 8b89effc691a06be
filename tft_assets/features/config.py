"""Feature builder configuration: every window and threshold in one frozen record."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

#: Semantic version of the feature definitions. Bump the minor for a new feature, the major
#: when an existing feature changes meaning, the patch when stored values change without a new
#: meaning (1.0.1: the vectorised isolation forest); it is part of every ``snapshot_id``.
FEATURE_VERSION = "1.0.1"


@dataclass(frozen=True)
class FeatureConfig:
    """Windows (in trading sessions), thresholds and missing-data limits of the features.

    Every field is serialised into a snapshot's ``builder_config`` JSON and therefore into its
    ``snapshot_id``: two snapshots built with different settings never share an id.
    """

    use_adj_close: bool = True  # returns/indicators on the split-consistent basis adj_close/close
    rsi_window_sessions: int = 14
    macd_fast_sessions: int = 12
    macd_slow_sessions: int = 26
    macd_signal_sessions: int = 9
    bb_window_sessions: int = 20
    bb_num_std: float = 2.0
    sma_fast_sessions: int = 10
    sma_slow_sessions: int = 50
    atr_window_sessions: int = 14
    vol_window_sessions: int = 20
    volume_window_sessions: int = 20
    trading_days_per_year: int = 252
    mention_z_window_sessions: int = 20  # history the attention shock is measured against
    mention_z_min_std: float = 1.0  # floor of the z-score denominator, in mentions
    sentiment_short_sessions: int = 3
    sentiment_long_sessions: int = 7
    sentiment_extreme: float = 0.8
    divergence_price_scale: float = 10.0  # tanh(scale * ret_5d) maps price momentum to [-1, 1]
    ffill_limit_sessions: int = 5  # forward-fill limit of the ffill features
    anomaly_z: float = 3.0  # |z| against the ticker's own history above which a value is flagged
    anomaly_window_sessions: int = 60  # history (sessions before D) of that z-score
    anomaly_min_sessions: int = 20  # fewer non-null past values: no flag
    isolation_trees: int = 25
    isolation_seed: int = 0
    corr_threshold: float = 0.95  # |corr| of two scale-free features above which they are flagged
    corr_min_rows: int = 30  # fewer rows: too small a sample to call two features redundant

    def __post_init__(self) -> None:
        assert self.macd_fast_sessions < self.macd_slow_sessions, "MACD fast must be < slow"
        assert self.sma_fast_sessions < self.sma_slow_sessions, "SMA fast must be < slow"
        assert 0 < self.sentiment_extreme < 1, "sentiment_extreme is a |compound| in (0, 1)"
        assert self.ffill_limit_sessions >= 0
        assert 0 < self.corr_threshold <= 1
        assert self.corr_min_rows >= 3

    @property
    def sentiment_lookback_sessions(self) -> int:
        """Sessions of posts (ending at D) that can influence a sentiment feature at D."""
        momentum_span = 2 * self.sentiment_short_sessions
        return max(
            self.mention_z_window_sessions + 1,
            self.sentiment_long_sessions + self.ffill_limit_sessions,
            momentum_span + self.ffill_limit_sessions,
        )

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no whitespace) including the feature version."""
        payload = {"feature_version": FEATURE_VERSION, **dataclasses.asdict(self)}
        return json.dumps(payload, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> FeatureConfig:
        payload = json.loads(text)
        version = payload.pop("feature_version", FEATURE_VERSION)
        if version != FEATURE_VERSION:
            raise ValueError(
                f"builder_config was written by feature_version {version}; this code is {FEATURE_VERSION}"
            )
        return cls(**payload)
