"""Features, daily snapshots, 30-session sequences and labels (pure domain code, no Dagster).

Entry points for the assets:

* :func:`build_feature_snapshot` / :func:`build_feature_snapshots` -> ``feature_snapshots``
* :func:`build_sequences` / :func:`iter_sequences` (+ :meth:`Sequences.to_frame`) -> ``feature_sequences``
* :func:`compute_labels` / :func:`compute_labels_range` -> ``labels``
* :func:`load_sequences` for the models; :func:`compute_features` for the CLI.
"""

from tft_assets.features.build import compute_features
from tft_assets.features.checksum import frame_digest
from tft_assets.features.config import FEATURE_VERSION, FeatureConfig
from tft_assets.features.labels import (
    HORIZON_DAYS,
    LABELS_SCHEMA,
    LabelsNotReadyError,
    compute_labels,
    compute_labels_range,
)
from tft_assets.features.price import compute_price_features
from tft_assets.features.registry import (
    FEATURE_NAMES,
    FEATURE_SPECS,
    PRICE_FEATURES,
    SENTIMENT_FEATURES,
    FeatureSpec,
    feature_specs,
    render_data_dictionary,
)
from tft_assets.features.sentiment_series import (
    assign_sessions,
    compute_sentiment_features,
    quality_mentions,
)
from tft_assets.features.sequences import (
    MAX_MISSING_FRACTION,
    SEQUENCE_LENGTH_SESSIONS,
    Sequences,
    build_sequences,
    iter_sequences,
    load_sequences,
    sequence_feature_names,
    window_calendar_days,
    window_sessions,
)
from tft_assets.features.snapshot import (
    LINEAGE_SCHEMA,
    SNAPSHOT_SCHEMA,
    RebuildResult,
    Snapshot,
    build_feature_snapshot,
    build_feature_snapshots,
    correlated_pairs,
    rebuild_snapshot,
)

__all__ = [
    "FEATURE_NAMES",
    "FEATURE_SPECS",
    "FEATURE_VERSION",
    "HORIZON_DAYS",
    "LABELS_SCHEMA",
    "LINEAGE_SCHEMA",
    "MAX_MISSING_FRACTION",
    "PRICE_FEATURES",
    "SENTIMENT_FEATURES",
    "SEQUENCE_LENGTH_SESSIONS",
    "SNAPSHOT_SCHEMA",
    "FeatureConfig",
    "FeatureSpec",
    "LabelsNotReadyError",
    "RebuildResult",
    "Sequences",
    "Snapshot",
    "assign_sessions",
    "build_feature_snapshot",
    "build_feature_snapshots",
    "correlated_pairs",
    "build_sequences",
    "compute_features",
    "compute_labels",
    "compute_labels_range",
    "compute_price_features",
    "compute_sentiment_features",
    "feature_specs",
    "frame_digest",
    "iter_sequences",
    "load_sequences",
    "quality_mentions",
    "rebuild_snapshot",
    "render_data_dictionary",
    "sequence_feature_names",
    "window_calendar_days",
    "window_sessions",
]
