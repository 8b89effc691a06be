"""Temporal Fusion Transformer (pytorch-forecasting) as a classifier of P(forward return > 0).

Input contract: ``x`` float32 ``(n, L, F)`` (``n`` windows of ``L`` sessions and ``F``
features, NaN where missing; step ``L - 1`` is the prediction day), ``y`` ``(n,)`` of 0.0/1.0
labels, ``feature_names`` the ``F`` column names.

**Shaping.** Every window is its own series (group id = window index) for pytorch-forecasting's
``TimeSeriesDataSet``: rows ``time_idx`` ``0 .. L-1`` carry the window's features as
``time_varying_unknown_reals`` (the encoder, ``max_encoder_length = L``) and one extra row at
``time_idx = L`` is the single decoder step (``max_prediction_length = 1``) whose target is the
label. Its unknown reals repeat step ``L - 1`` but are never read: the decoder's only input is the
dataset's ``relative_time_idx`` (a known real, constant over windows). The features enter the
network under internal names ``f0 .. f{F-1}`` (pytorch-forecasting keys ``nn.ModuleDict``\\ s by
variable name, which rejects ``.`` and clashes with its reserved names).

**Classification.** The target is categorical, ``"0"``/``"1"`` through a ``NaNLabelEncoder``
(fitted on both classes up front), trained with ``CrossEntropy``; P(up) is the softmax of the two
class logits of the decoder step.

**No leakage.** The target is not an input: it is not among the reals, the encoder rows' target
is the constant ``"0"`` (the dataset needs a value there; the network never reads it), there are
no target lags, ``add_target_scales=False`` and the label encoder carries no scale. Each window
is predicted from its own ``x`` only: the feature scalers (``StandardScaler`` per feature) and
the medians are fitted on the training windows and reused unchanged at prediction.

**Missing values.** NaN (and +-inf) in ``x`` are imputed with the feature's median over every
step of every training window (:attr:`TFTModel.medians`, in the feature's own units; 0.0 for a
feature that is never observed in training), at fit and at prediction alike.

**Determinism.** Fitting seeds everything (``lightning.pytorch.seed_everything(seed,
workers=True)``, which also seeds Python's and NumPy's global generators), turns on
``torch.use_deterministic_algorithms`` and the Trainer's ``deterministic=True``, loads batches in
the main process (``num_workers=0``) from dataloaders made anew per fit, and restores torch's
deterministic flag, ``cudnn.benchmark`` and thread count afterwards: on CPU, two fits of the same
inputs and config give the same predictions. Prediction always runs on CPU.

torch, lightning and pytorch-forecasting are imported inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

#: Column names of the long frame handed to ``TimeSeriesDataSet``.
GROUP, TIME, TARGET = "window", "time_idx", "target"
#: Class labels of the categorical target.
DOWN, UP = "0", "1"
#: Known real the dataset adds (the decoder's only input); left out of the importances.
RELATIVE_TIME = "relative_time_idx"
BLOB_FORMAT = "tft_assets.tft/1"
#: Deserialised models kept per process, by blob digest: every weekly ensemble of a quarter
#: carries the same TFT, and rebuilding its network is most of loading a bundle.
LOADED_MODELS = 4
#: Window probabilities a model remembers (consecutive validation tails share most windows).
MEMO_WINDOWS = 200_000
ACCELERATORS = ("cpu", "auto", "gpu", "cuda")

_QUIET_LOGGERS = ("lightning.pytorch", "lightning.fabric", "pytorch_forecasting")
#: Lightning / pytorch-forecasting warnings that are expected for this setup (regex prefixes).
_EXPECTED_WARNINGS = (
    r"Attribute '(loss|logging_metrics)' is an instance of `nn.Module`",
    r"You defined a `validation_step` but have no `val_dataloader`",
    r"ReduceLROnPlateau conditioned on metric val_loss which is not available",
    r"The '(train|val|predict)_dataloader' does not have many workers",
    r"The number of training batches \(\d+\) is smaller than the logging interval",
    r"`isinstance\(treespec, LeafSpec\)` is deprecated",
)


#: A fit's encoder importance is averaged over at most its last this many training windows:
#: interpreting the attention costs a forward pass per window, and the average settles long
#: before a long expanding window has been read.
IMPORTANCE_WINDOWS = 2048


@dataclass(frozen=True)
class TFTConfig:
    """Hyperparameters of :func:`fit_tft`.

    ``hidden_size``, ``attention_head_size`` (number of attention heads) and
    ``hidden_continuous_size`` are network widths; ``dropout`` is a rate in [0, 1);
    ``learning_rate`` is Adam's step size; ``max_epochs`` counts passes over the training
    windows, ``batch_size`` windows per step (the last incomplete batch of an epoch is dropped,
    and the batch is capped at the number of training windows); ``gradient_clip_val`` caps the gradient norm;
    ``seed`` seeds weights and batch order. ``accelerator`` is Lightning's: ``"cpu"`` (default,
    never needs a GPU) or ``"auto"`` (CUDA when present).
    """

    hidden_size: int = 8
    attention_head_size: int = 2
    hidden_continuous_size: int = 8
    dropout: float = 0.1
    learning_rate: float = 0.01
    max_epochs: int = 4
    batch_size: int = 256
    gradient_clip_val: float = 0.1
    seed: int = 0
    accelerator: str = "cpu"
    #: torch CPU threads while fitting and predicting: 1 by default, since OpenMP threads
    #: spin-waiting beside other busy processes (Dagster workers, a second fit) can run 50x slower
    threads: int = 1

    def __post_init__(self) -> None:
        sizes = ("hidden_size", "attention_head_size", "hidden_continuous_size", "max_epochs")
        for name in (*sizes, "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.learning_rate <= 0 or self.gradient_clip_val <= 0:
            raise ValueError("learning_rate and gradient_clip_val must be positive")
        if self.accelerator not in ACCELERATORS:
            raise ValueError(
                f"accelerator must be one of {', '.join(ACCELERATORS)}, got {self.accelerator!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """The config as a plain dict (JSON-able; ``TFTConfig(**d)`` rebuilds it)."""
        return asdict(self)


@dataclass
class TFTModel:
    """A fitted Temporal Fusion Transformer over windows of ``feature_names``.

    ``medians`` (float64 ``(F,)``, feature units) impute missing values; ``epochs_run`` is the
    number of training epochs completed; ``network`` is the pytorch-forecasting
    ``TemporalFusionTransformer`` (on CPU, eval mode); ``dataset_parameters`` is
    ``TimeSeriesDataSet.get_parameters()`` of the training set (fitted scalers and encoders);
    ``encoder_importance`` (``(F,)``, sums to 1) is the encoder variable selection weight of each
    feature averaged over the last :data:`IMPORTANCE_WINDOWS` training windows.
    """

    config: TFTConfig
    feature_names: tuple[str, ...]
    medians: np.ndarray
    epochs_run: int
    network: Any = field(repr=False)
    dataset_parameters: dict[str, Any] = field(repr=False)
    encoder_importance: np.ndarray = field(repr=False)
    #: P(up) of windows already predicted, by digest of the window's bytes
    _memo: dict[bytes, float] = field(default_factory=dict, repr=False, compare=False)
    #: :meth:`to_bytes`, once written (every weekly bundle of a quarter carries the same TFT)
    _blob: list[bytes] = field(default_factory=list, repr=False, compare=False)

    @property
    def window_length(self) -> int:
        """``L``, the number of steps per window the model was trained on."""
        return int(self.dataset_parameters["max_encoder_length"])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """P(up), float64 ``(n,)`` in [0, 1], for windows ``x`` ``(n, L, F)`` (NaN imputed with
        the training medians). Each window's probability depends on that window only, so the
        model remembers the windows it has predicted (up to :data:`MEMO_WINDOWS`) and runs the
        network on the others alone."""
        _check_x(x, self.feature_names, self.window_length)
        if len(x) == 0:
            return np.empty(0, dtype=np.float64)
        windows = np.ascontiguousarray(x, dtype=np.float32)
        keys = [hashlib.blake2b(w.tobytes(), digest_size=16).digest() for w in windows]
        fresh = [i for i, k in enumerate(keys) if k not in self._memo]
        if fresh:
            with _quiet(), _torch_state(self.config.threads):
                p_new, _ = _forward(
                    self.network,
                    self.dataset_parameters,
                    _impute(windows[fresh], self.medians),
                    self.config.batch_size,
                    importance=False,
                )
            if len(self._memo) + len(fresh) > MEMO_WINDOWS:
                self._memo.clear()
            self._memo.update(zip((keys[i] for i in fresh), p_new.tolist(), strict=True))
        return np.array([self._memo[k] for k in keys], dtype=np.float64)

    def variable_importance(self) -> dict[str, float]:
        """Encoder variable importances (TFT ``interpret_output``'s encoder variable selection
        weights, summed over the training windows), normalised to sum 1, keyed by feature name.
        The dataset's ``relative_time_idx`` is left out before normalising."""
        return {
            f: float(v) for f, v in zip(self.feature_names, self.encoder_importance, strict=True)
        }

    def to_bytes(self) -> bytes:
        """Serialise config, feature names, medians, dataset parameters and the network's
        ``state_dict`` (``torch.save``; pickled, so load only blobs you wrote). The model is
        read-only once fitted, so the blob is written once and reused."""
        if self._blob:
            return self._blob[0]
        import torch

        payload = {
            "format": BLOB_FORMAT,
            "config": self.config.to_dict(),
            "feature_names": list(self.feature_names),
            "medians": np.asarray(self.medians, dtype=np.float64),
            "epochs_run": int(self.epochs_run),
            "dataset_parameters": self.dataset_parameters,
            "encoder_importance": np.asarray(self.encoder_importance, dtype=np.float64),
            "state_dict": {k: v.detach().cpu() for k, v in self.network.state_dict().items()},
        }
        buffer = io.BytesIO()
        torch.save(payload, buffer)
        self._blob.append(buffer.getvalue())
        return self._blob[0]

    @classmethod
    def from_bytes(cls, blob: bytes) -> TFTModel:
        """Rebuild a model from :meth:`to_bytes` (the network on CPU, in eval mode); the same
        blob loaded again in this process gives the same (read-only) model object back, from
        the last :data:`LOADED_MODELS` blobs.

        The blob holds pickled scalers and encoders, so it is read with ``weights_only=False``:
        only pass blobs this module wrote.
        """
        key = hashlib.sha256(blob).digest()
        model = _LOADED.get(key)
        if model is None:
            model = cls._load(blob)
            _LOADED[key] = model
            while len(_LOADED) > LOADED_MODELS:
                _LOADED.popitem(last=False)
        _LOADED.move_to_end(key)
        return model

    @classmethod
    def _load(cls, blob: bytes) -> TFTModel:
        import torch
        from pytorch_forecasting import TimeSeriesDataSet

        payload = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=False)
        if not isinstance(payload, dict) or payload.get("format") != BLOB_FORMAT:
            raise ValueError(f"not a {BLOB_FORMAT} blob")
        config = TFTConfig(**payload["config"])
        names = tuple(payload["feature_names"])
        params = payload["dataset_parameters"]
        length = int(params["max_encoder_length"])
        with _quiet():
            dummy = TimeSeriesDataSet.from_parameters(
                params, _frame(np.zeros((1, length, len(names)), np.float32), None)
            )
            network = _network(dummy, config)
        network.load_state_dict(payload["state_dict"])
        network.eval()
        return cls(
            config=config,
            feature_names=names,
            medians=np.asarray(payload["medians"], dtype=np.float64),
            epochs_run=int(payload["epochs_run"]),
            network=network,
            dataset_parameters=params,
            encoder_importance=np.asarray(payload["encoder_importance"], dtype=np.float64),
            _blob=[blob],
        )


_LOADED: OrderedDict[bytes, TFTModel] = OrderedDict()


def fit_tft(
    x: np.ndarray,
    y: np.ndarray,
    feature_names: tuple[str, ...],
    config: TFTConfig = TFTConfig(),  # noqa: B008 (frozen, so a shared default is safe)
) -> TFTModel:
    """Train a TFT on windows ``x`` ``(n, L, F)`` and labels ``y`` ``(n,)`` (1.0 = up).

    See the module docstring for the shaping, the leakage guards, the median imputation and the
    determinism guarantees. Raises ``ValueError`` on malformed input or a single-class ``y``.
    """
    feature_names = tuple(feature_names)
    _check_x(x, feature_names, None)
    labels = _check_y(y, len(x))
    medians = _medians(x)
    filled = _impute(x, medians)

    import lightning.pytorch as pl
    import torch
    from pytorch_forecasting import TimeSeriesDataSet
    from pytorch_forecasting.data.encoders import NaNLabelEncoder

    with _quiet(), _torch_state(config.threads):
        pl.seed_everything(config.seed, workers=True, verbose=False)
        torch.use_deterministic_algorithms(True)
        length = x.shape[1]
        dataset = TimeSeriesDataSet(
            _frame(filled, labels),
            time_idx=TIME,
            target=TARGET,
            group_ids=[GROUP],
            max_encoder_length=length,
            min_encoder_length=length,
            max_prediction_length=1,
            min_prediction_length=1,
            time_varying_unknown_reals=list(_columns(len(feature_names))),
            target_normalizer=NaNLabelEncoder().fit(np.array([DOWN, UP])),
            add_relative_time_idx=True,
            add_target_scales=False,
            add_encoder_length=False,
            lags={},
        )
        network = _network(dataset, config)
        trainer = pl.Trainer(
            max_epochs=config.max_epochs,
            accelerator=config.accelerator,
            devices=1,
            gradient_clip_val=config.gradient_clip_val,
            deterministic=True,
            enable_progress_bar=False,
            logger=False,
            enable_checkpointing=False,
            enable_model_summary=False,
        )
        # The training loader drops the last incomplete batch: cap the batch at n so that a
        # small training set still gives one step per epoch.
        batch = min(config.batch_size, len(x))
        trainer.fit(network, train_dataloaders=_training_loader(dataset, batch))
        network = network.cpu().eval()
        params = dataset.get_parameters()
        _, importance = _forward(network, params, filled[-IMPORTANCE_WINDOWS:], config.batch_size)
    return TFTModel(
        config=config,
        feature_names=feature_names,
        medians=medians,
        epochs_run=int(trainer.current_epoch),
        network=network,
        dataset_parameters=params,
        encoder_importance=importance,
    )


def _training_loader(dataset: Any, batch_size: int) -> Any:
    """``dataset.to_dataloader(train=True, batch_size=batch_size)`` over samples built once.

    ``TimeSeriesDataSet.__getitem__`` assembles each window in Python and is most of a CPU
    epoch's time; without randomised lengths it is a pure function of the index, so the
    samples of the first epoch serve every later one. Same shuffling (the sampler draws from
    torch's seeded generator), same batches, the same model."""
    from torch.utils.data import DataLoader, Dataset

    if dataset.randomize_length is not None:
        raise ValueError("cached samples need a dataset without randomize_length")

    class CachedSamples(Dataset):
        def __init__(self) -> None:
            self.samples: list[Any] = [None] * len(dataset)

        def __len__(self) -> int:
            return len(self.samples)

        def __getitem__(self, i: int) -> Any:
            if self.samples[i] is None:
                self.samples[i] = dataset[i]
            return self.samples[i]

    # the keyword arguments of ``to_dataloader(train=True)`` (pytorch-forecasting 1.x)
    return DataLoader(
        CachedSamples(),
        shuffle=True,
        drop_last=len(dataset) > batch_size,
        collate_fn=dataset._collate_fn,
        batch_size=batch_size,
        num_workers=0,
    )


def _network(dataset: Any, config: TFTConfig) -> Any:
    """The ``TemporalFusionTransformer`` for ``dataset`` (2 class logits, cross-entropy)."""
    import torch
    from pytorch_forecasting import TemporalFusionTransformer
    from pytorch_forecasting.metrics import CrossEntropy

    return TemporalFusionTransformer.from_dataset(
        dataset,
        hidden_size=config.hidden_size,
        attention_head_size=config.attention_head_size,
        hidden_continuous_size=config.hidden_continuous_size,
        dropout=config.dropout,
        learning_rate=config.learning_rate,
        loss=CrossEntropy(),
        output_size=2,
        logging_metrics=torch.nn.ModuleList([]),
        log_interval=-1,
        # No validation loop: the default ReduceLROnPlateau (patience 1000, non-strict) never
        # fires. ``None`` would be cleaner but Lightning 2.6 rejects the empty scheduler dict
        # pytorch-forecasting then returns.
        reduce_on_plateau_patience=1000,
        optimizer="adam",
    )


def _forward(
    network: Any,
    params: dict[str, Any],
    filled: np.ndarray,
    batch_size: int,
    importance: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """P(up) per window (float64 ``(n,)``, in window order) and, when ``importance``, the
    encoder importance of each feature (``(F,)``, sums to 1) over imputed windows ``filled``
    (else ``None``: interpreting the attention costs as much as the forward pass)."""
    import torch
    from pytorch_forecasting import TimeSeriesDataSet

    n, _, n_features = filled.shape
    dataset = TimeSeriesDataSet.from_parameters(
        params, _frame(filled, None), predict=True, stop_randomization=True
    )
    loader = dataset.to_dataloader(train=False, batch_size=batch_size, num_workers=0)
    up = int(params["target_normalizer"].classes_[UP])
    p_up = np.full(n, np.nan)
    weights = torch.zeros(len(network.encoder_variables), dtype=torch.float64)
    network.eval()
    with torch.no_grad():
        for batch, _ in loader:
            out = network(batch)
            probs = torch.softmax(out["prediction"][:, 0, :].double(), dim=-1)[:, up]
            windows = dataset.x_to_index(batch)[GROUP].to_numpy(dtype=np.int64)
            p_up[windows] = probs.numpy()
            if importance:
                encoder = network.interpret_output(out, reduction="sum")["encoder_variables"]
                weights += encoder.double().cpu()
    if np.isnan(p_up).any():
        raise RuntimeError("the TFT dataset dropped windows; every window must be predicted")
    if not importance:
        return np.clip(p_up, 0.0, 1.0), None
    position = {name: i for i, name in enumerate(network.encoder_variables)}
    picked = np.array([weights[position[c]].item() for c in _columns(n_features)])
    total = picked.sum()
    importance = picked / total if total > 0 else np.full(n_features, 1.0 / n_features)
    return np.clip(p_up, 0.0, 1.0), importance


def _columns(n_features: int) -> tuple[str, ...]:
    """Internal names of the feature columns (``f0 .. f{F-1}``)."""
    return tuple(f"f{i}" for i in range(n_features))


def _frame(filled: np.ndarray, labels: np.ndarray | None) -> Any:
    """The long ``pandas`` frame of windows ``filled`` ``(n, L, F)``: ``L + 1`` rows per window
    (the last, ``time_idx = L``, is the decoder step and repeats step ``L - 1``'s features).
    The target is ``"0"`` on every encoder row and, without ``labels``, on the decoder row too."""
    import pandas as pd

    n, length, n_features = filled.shape
    rows = np.concatenate([filled, filled[:, -1:, :]], axis=1).astype(np.float32)
    frame = pd.DataFrame(rows.reshape(n * (length + 1), n_features), columns=_columns(n_features))
    frame[GROUP] = np.repeat(np.arange(n, dtype=np.int64), length + 1)
    frame[TIME] = np.tile(np.arange(length + 1, dtype=np.int64), n)
    target = np.full((n, length + 1), DOWN, dtype=object)
    if labels is not None:
        target[:, length] = np.where(labels > 0.5, UP, DOWN)
    frame[TARGET] = target.reshape(-1)
    return frame


def _medians(x: np.ndarray) -> np.ndarray:
    """Per-feature median over all finite values of ``x`` ``(n, L, F)``; 0.0 where none."""
    flat = np.asarray(x, dtype=np.float64).reshape(-1, x.shape[2])
    flat = np.where(np.isfinite(flat), flat, np.nan)
    observed = ~np.isnan(flat).all(axis=0)
    medians = np.zeros(x.shape[2])
    if observed.any():
        medians[observed] = np.nanmedian(flat[:, observed], axis=0)
    return medians


def _impute(x: np.ndarray, medians: np.ndarray) -> np.ndarray:
    """float32 copy of ``x`` with every non-finite value replaced by its feature's median."""
    x = np.asarray(x, dtype=np.float32)
    return np.where(np.isfinite(x), x, medians.astype(np.float32)[None, None, :])


def _check_x(x: np.ndarray, feature_names: tuple[str, ...], length: int | None) -> None:
    """Raise ``ValueError`` unless ``x`` is ``(n, L, F)`` with ``F`` names (and ``L == length``)."""
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        raise ValueError(f"x must be a numpy array (n, L, F), got shape {np.shape(x)}")
    if x.shape[2] != len(feature_names):
        raise ValueError(f"x has {x.shape[2]} features, feature_names has {len(feature_names)}")
    if length is not None and x.shape[1] != length:
        raise ValueError(f"x has windows of {x.shape[1]} steps, the model was fitted on {length}")
    if length is None and x.shape[1] < 2:
        raise ValueError("windows need at least 2 steps")


def _check_y(y: np.ndarray, n: int) -> np.ndarray:
    """``y`` as float64 ``(n,)`` of 0/1; ``ValueError`` otherwise or when it has a single class."""
    labels = np.asarray(y, dtype=np.float64)
    if labels.shape != (n,):
        raise ValueError(f"y must have shape ({n},), got {labels.shape}")
    if not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError("y must hold only 0.0 and 1.0")
    if len(np.unique(labels)) < 2:
        raise ValueError("y has a single class; a classifier needs both")
    return labels


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Lightning / pytorch-forecasting INFO logging off and their expected warnings ignored,
    both restored on exit."""
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        for message in _EXPECTED_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        for lg in loggers:
            lg.setLevel(max(lg.getEffectiveLevel(), logging.WARNING))
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)


@contextlib.contextmanager
def _torch_state(threads: int) -> Iterator[None]:
    """Run with ``threads`` torch threads; restore torch's deterministic-algorithms flag,
    ``cudnn.benchmark`` and thread count afterwards."""
    import torch

    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    benchmark = torch.backends.cudnn.benchmark
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        torch.backends.cudnn.benchmark = benchmark
        torch.set_num_threads(before)
