"""The demo world: the embedded default data source (DESIGN.md §4).

A deterministic simulator of WSB-style posts and daily prices driven by a latent hype process,
with ground truth (``gt_*`` columns) and a closed-form oracle. See
:mod:`tft_assets.sources.demo.latent` for the model, :mod:`~tft_assets.sources.demo.posts` and
:mod:`~tft_assets.sources.demo.prices` for how observations are drawn.
"""

from tft_assets.sources.demo.config import DEFECT_KINDS, DemoWorldConfig
from tft_assets.sources.demo.latent import (
    HYPE_EPOCH,
    HYPE_PERSISTENCE_PHI,
    HYPE_RETURN_COEF,
    forward_return_moments,
    oracle_accuracy,
    oracle_p_up_from_hype,
    simulate_forward_returns,
)
from tft_assets.sources.demo.prices import SPLITS
from tft_assets.sources.demo.universe import FALSE_POSITIVE_WORDS, UNIVERSE, Listing
from tft_assets.sources.demo.world import DemoPostsSource, DemoPricesSource, DemoWorld

__all__ = [
    "DEFECT_KINDS",
    "FALSE_POSITIVE_WORDS",
    "HYPE_EPOCH",
    "HYPE_PERSISTENCE_PHI",
    "HYPE_RETURN_COEF",
    "SPLITS",
    "UNIVERSE",
    "DemoPostsSource",
    "DemoPricesSource",
    "DemoWorld",
    "DemoWorldConfig",
    "Listing",
    "forward_return_moments",
    "oracle_accuracy",
    "oracle_p_up_from_hype",
    "simulate_forward_returns",
]
