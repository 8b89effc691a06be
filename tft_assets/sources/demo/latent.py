"""The demo world's latent model: hype, returns and the closed-form oracle.

Model (time ``t`` indexes NYSE sessions from :data:`HYPE_EPOCH`; ``i`` indexes tickers)::

    s[t, i] = phi * s[t-1, i] + u[t, i],    u ~ N(0, 1 - phi**2)      (stationary AR(1), Var s = 1)
    r[t+1, i] = k * c * sigma_i * s[t, i] + sigma_i * eps[t+1, i],    eps ~ N(0, 1)

``r[t]`` is the log return from the close of session ``t-1`` to the close of session ``t``;
``k`` is the configured signal strength, ``c`` is :data:`HYPE_RETURN_COEF`, ``sigma_i`` the
ticker's daily volatility. There is no drift, so ``k = 0`` is a null world. Hype on day ``D``
moves returns after ``D`` only.

Oracle: given ``s[t]`` (everything knowable at the close of ``t`` adds nothing, the process is
Markov), the forward ``h``-session log return ``R = r[t+1] + ... + r[t+h]`` is Gaussian with

    mean = k c sigma s[t] * sum_{j=0}^{h-1} phi**j
    var  = h sigma**2 + (k c sigma)**2 * q * sum_{j=1}^{h-1} ((1 - phi**(h-j)) / (1 - phi))**2,
    q = 1 - phi**2

so ``P(R > 0) = Phi(mean / sd)`` (``sigma`` cancels). With ``k = 0`` it is exactly 0.5. Over the
stationary distribution the accuracy of the oracle's direction is ``1/2 + asin(rho)/pi`` with
``rho = corr(s[t], R)``; :data:`HYPE_RETURN_COEF` = 0.18 makes that 0.600 for ``phi = 0.9,
h = 5, k = 1``.

Randomness is drawn in blocks per calendar year from ``SeedSequence([seed, stream, year])``
for :data:`~tft_assets.sources.demo.universe.MAX_UNIVERSE_SIZE` columns, and the recursion runs
from the epoch (:func:`ar1_filter`, vectorised over tickers); any date is therefore reproducible
on its own, and a decade for the whole universe takes milliseconds.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from tft_assets import calendar
from tft_assets.sources.demo.universe import ETF_SYMBOLS, MAX_UNIVERSE_SIZE, UNIVERSE

#: First session of the latent processes; the world is defined from here on.
HYPE_EPOCH = dt.date(2010, 1, 4)
#: AR(1) persistence of hype per session.
HYPE_PERSISTENCE_PHI = 0.9
#: ``c``: daily mean log return per unit of hype, in units of the ticker's daily volatility.
HYPE_RETURN_COEF = 0.18
#: Session at which each ticker's latent (split-consistent) price equals its start price.
PRICE_ANCHOR_DATE = dt.date(2020, 1, 2)

# Random streams (second entry of every SeedSequence).
STREAM_PARAMS = 1
STREAM_HYPE_INIT = 2
STREAM_HYPE = 3
STREAM_RETURN = 4
STREAM_BAR = 5
STREAM_BAR_UNIFORM = 8
STREAM_POSTS = 6
STREAM_AUTHORS = 7


def rng_for(seed: int, stream: int, *key: int) -> np.random.Generator:
    """A generator that depends only on ``(seed, stream, *key)`` (all non-negative ints)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stream, *key])))


# --------------------------------------------------------------------------- oracle (pure)


def forward_return_moments(
    *,
    strength: float,
    horizon_days: int,
    phi: float = HYPE_PERSISTENCE_PHI,
    coef: float = HYPE_RETURN_COEF,
) -> tuple[float, float]:
    """Moments of the forward ``h``-session log return, in units of the daily volatility.

    Returns ``(mean_per_unit_hype, sd)``: ``R / sigma | s ~ N(mean_per_unit_hype * s, sd**2)``.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be >= 1, got {horizon_days}")
    if not 0 <= phi < 1:
        raise ValueError(f"phi must be in [0, 1), got {phi}")
    h = horizon_days
    kc = strength * coef
    q = 1.0 - phi * phi
    geometric = sum(phi**j for j in range(h))
    carry = sum(((1.0 - phi ** (h - j)) / (1.0 - phi)) ** 2 for j in range(1, h))
    return kc * geometric, math.sqrt(h + kc * kc * q * carry)


def oracle_p_up_from_hype(
    hype: np.ndarray | float,
    *,
    strength: float,
    horizon_days: int,
    phi: float = HYPE_PERSISTENCE_PHI,
    coef: float = HYPE_RETURN_COEF,
) -> np.ndarray:
    """Bayes-optimal ``P(forward h-session log return > 0 | hype)``; any shape, float64 in [0, 1]."""
    slope, sd = forward_return_moments(
        strength=strength, horizon_days=horizon_days, phi=phi, coef=coef
    )
    return standard_normal_cdf(slope * np.asarray(hype, dtype=np.float64) / sd)


_ERFC = np.frompyfunc(math.erfc, 1, 1)


def standard_normal_cdf(x: np.ndarray | float) -> np.ndarray:
    """Phi(x) elementwise via ``math.erfc`` (exactly 0.5 at 0; avoids importing scipy.special)."""
    z = np.asarray(x, dtype=np.float64)
    return 0.5 * np.asarray(_ERFC(-z / math.sqrt(2.0)), dtype=np.float64)


def oracle_accuracy(
    *,
    strength: float,
    horizon_days: int,
    phi: float = HYPE_PERSISTENCE_PHI,
    coef: float = HYPE_RETURN_COEF,
) -> float:
    """Expected hit rate of ``sign(p_up - 0.5)`` against the realised forward return sign."""
    slope, sd = forward_return_moments(
        strength=strength, horizon_days=horizon_days, phi=phi, coef=coef
    )
    rho = slope / math.sqrt(slope * slope + sd * sd)
    return 0.5 + math.asin(rho) / math.pi


def simulate_forward_returns(
    hype0: float,
    *,
    n_paths: int,
    rng: np.random.Generator,
    strength: float,
    horizon_days: int,
    phi: float = HYPE_PERSISTENCE_PHI,
    coef: float = HYPE_RETURN_COEF,
) -> np.ndarray:
    """Monte-Carlo forward ``h``-session log returns (unit volatility) from hype ``hype0``; shape (n_paths,)."""
    s = np.full(n_paths, float(hype0))
    total = np.zeros(n_paths)
    innovation_sd = math.sqrt(1.0 - phi * phi)
    for step in range(horizon_days):
        total += strength * coef * s + rng.standard_normal(n_paths)
        if step + 1 < horizon_days:
            s = phi * s + innovation_sd * rng.standard_normal(n_paths)
    return total


# --------------------------------------------------------------------------- per-ticker params


@dataclass(frozen=True)
class TickerParams:
    """Per-ticker constants of a world, arrays of shape (MAX_UNIVERSE_SIZE,)."""

    daily_vol: np.ndarray  # sigma_i, daily log-return standard deviation
    anchor_price_usd: np.ndarray  # latent price at PRICE_ANCHOR_DATE
    median_volume_shares: np.ndarray  # median daily volume (pre-split shares)
    popularity: np.ndarray  # relative posting rate, decreasing with universe rank


def ticker_params(seed: int) -> TickerParams:
    """Draw the per-ticker constants of world ``seed`` (independent of ``n_tickers``)."""
    rng = rng_for(seed, STREAM_PARAMS)
    n = MAX_UNIVERSE_SIZE
    vol = rng.uniform(0.015, 0.045, n)
    anchor = np.exp(rng.normal(math.log(30.0), 1.0, n)).clip(2.0, 800.0)
    volume = np.exp(rng.normal(math.log(8e6), 1.0, n))
    etf = np.array([i < len(UNIVERSE) and UNIVERSE[i].symbol in ETF_SYMBOLS for i in range(n)])
    vol[etf] = 0.011
    volume[etf] *= 5.0
    popularity = 1.0 / (np.arange(n) + 3.0) ** 0.8 * np.exp(rng.normal(0.0, 0.2, n))
    return TickerParams(vol, anchor, volume, popularity)


# --------------------------------------------------------------------------- latent paths


def _yearly_blocks(
    seed: int, stream: int, session_years: np.ndarray, n_draws: int, kind: str
) -> np.ndarray:
    out = np.empty((n_draws, len(session_years), MAX_UNIVERSE_SIZE))
    years, starts = np.unique(session_years, return_index=True)
    bounds = [*starts.tolist(), len(session_years)]
    for y, lo, hi in zip(years.tolist(), bounds[:-1], bounds[1:], strict=True):
        rng = rng_for(seed, stream, y)
        shape = (n_draws, hi - lo, MAX_UNIVERSE_SIZE)
        out[:, lo:hi] = rng.standard_normal(shape) if kind == "normal" else rng.random(shape)
    return out


def yearly_normals(
    seed: int, stream: int, session_years: np.ndarray, n_draws: int = 1
) -> np.ndarray:
    """Standard normals of shape (n_draws, len(session_years), MAX_UNIVERSE_SIZE).

    ``session_years`` is the calendar year of each session (sorted); rows of year ``y`` come
    from ``SeedSequence([seed, stream, y])`` whatever range is requested.
    """
    return _yearly_blocks(seed, stream, session_years, n_draws, "normal")


def yearly_uniforms(
    seed: int, stream: int, session_years: np.ndarray, n_draws: int = 1
) -> np.ndarray:
    """Uniforms in [0, 1) of shape (n_draws, len(session_years), MAX_UNIVERSE_SIZE), per year."""
    return _yearly_blocks(seed, stream, session_years, n_draws, "uniform")


def complete_years_sessions(last_year: int) -> np.ndarray:
    """NYSE sessions from :data:`HYPE_EPOCH` to the end of ``last_year`` (``datetime64[D]``)."""
    days = calendar.trading_days(HYPE_EPOCH, dt.date(last_year, 12, 31))
    return np.array(days, dtype="datetime64[D]")


def ar1_filter(innovations: np.ndarray, phi: float, initial: np.ndarray) -> np.ndarray:
    """``s[t] = phi * s[t-1] + innovations[t]`` with ``s[-1] = initial``; shape of ``innovations``.

    Sequential over rows (sessions), vectorised over columns (tickers): bit-identical to
    ``scipy.signal.lfilter([1], [1, -phi], innovations, axis=0, zi=phi * initial)`` and ~15 ms
    for 16 years x 64 columns, without paying scipy.signal's import (seconds) in every process.
    """
    out = np.empty_like(innovations, dtype=np.float64)
    prev = np.asarray(initial, dtype=np.float64)
    for t in range(innovations.shape[0]):
        prev = phi * prev + innovations[t]
        out[t] = prev
    return out


@dataclass(frozen=True)
class LatentPaths:
    """Hype and returns for every session from the epoch to the end of a year.

    Arrays are (n_sessions, MAX_UNIVERSE_SIZE); ``log_return[t]`` is close(t-1) -> close(t);
    ``log_price`` is the split-consistent latent log price (``= log adj_close``).
    """

    sessions: np.ndarray  # datetime64[D], sorted
    hype: np.ndarray
    log_return: np.ndarray
    log_price: np.ndarray

    def index_of(self, day: dt.date) -> int:
        """Row of session ``day``; ``ValueError`` when it is not a covered session."""
        key = np.datetime64(day, "D")
        i = int(np.searchsorted(self.sessions, key))
        if i >= len(self.sessions) or self.sessions[i] != key:
            raise ValueError(f"{day} is not an NYSE session covered by the demo world")
        return i


def build_latent_paths(
    seed: int, strength: float, last_year: int, params: TickerParams
) -> LatentPaths:
    """Run the hype recursion and the return model from the epoch to the end of ``last_year``."""
    if last_year < HYPE_EPOCH.year:
        raise ValueError(f"the demo world starts at {HYPE_EPOCH}")
    # Always cover the anchor so that prices never depend on how far the cache reaches.
    last_year = max(last_year, PRICE_ANCHOR_DATE.year)
    sessions = complete_years_sessions(last_year)
    years = sessions.astype("datetime64[Y]").astype(np.int64) + 1970
    phi = HYPE_PERSISTENCE_PHI
    u = math.sqrt(1.0 - phi * phi) * yearly_normals(seed, STREAM_HYPE, years)[0]
    s_init = rng_for(seed, STREAM_HYPE_INIT).standard_normal(MAX_UNIVERSE_SIZE)
    hype = ar1_filter(u, phi, s_init)
    eps = yearly_normals(seed, STREAM_RETURN, years)[0]
    sigma = params.daily_vol[None, :]
    prev_hype = np.vstack([s_init[None, :], hype[:-1]])
    log_return = strength * HYPE_RETURN_COEF * sigma * prev_hype + sigma * eps
    cum = np.cumsum(log_return, axis=0)
    anchor = int(np.searchsorted(sessions, np.datetime64(PRICE_ANCHOR_DATE, "D")))
    anchor = min(anchor, len(sessions) - 1)
    log_price = np.log(params.anchor_price_usd)[None, :] + cum - cum[anchor][None, :]
    return LatentPaths(sessions, hype, log_return, log_price)
