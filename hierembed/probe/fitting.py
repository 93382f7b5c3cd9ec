"""Train a probe head on frozen embeddings, choosing its epoch and weight decay on val.

Features are standardised with the train split's statistics before any head sees them (every
split, every encoder); a feature constant on train is mapped to 0. Heads are trained with Adam on
the CPU, in mini-batches over the (small) probe set; every ``val_interval`` epochs the selection
score is measured on val (the reported metric, ``probe_cfg.select_on``, or the val loss), the
best state is kept, and training stops after ``patience`` checks without improvement. When ``lr``
or ``weight_decay`` is a list, every combination is trained and the one with the best
validation score wins.
"""
import contextlib
import copy
import itertools
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.optim import OptimWrapper, build_optim_wrapper
from torch import nn

from hierembed.registry import PROBE_HEADS


class FeatureStandardizer:
    """z-scores with the mean and standard deviation of the train features.

    Args:
        eps: a standard deviation below this counts as constant (the feature becomes 0).
    """

    def __init__(self, eps: float = 1e-8) -> None:
        self.eps = eps
        self.mean: Optional[np.ndarray] = None
        self.std: Optional[np.ndarray] = None

    def fit(self, feats: np.ndarray) -> 'FeatureStandardizer':
        """Fit on [N, D] train features."""
        feats = np.asarray(feats, dtype=np.float64)
        self.mean = feats.mean(axis=0)
        std = feats.std(axis=0)
        self.std = np.where(std < self.eps, 1.0, std)
        return self

    def transform(self, feats: np.ndarray) -> np.ndarray:
        """[N, D] -> [N, D] float32 standardised features."""
        return ((np.asarray(feats, dtype=np.float64) - self.mean) / self.std).astype(np.float32)


def effective_dims(feats: np.ndarray, eps: float = 1e-8) -> float:
    """How many directions an embedding spreads over, as the heads see it (standardised).

    The participation ratio ``(sum_i l_i)^2 / sum_i l_i^2`` of the eigenvalues ``l`` of the
    correlation matrix: D for uncorrelated features, 1 when every feature is a multiple of one
    (a collapsed embedding). Constant features do not count.

    Args:
        feats: [N, D] features, N >= 2.
        eps: a standard deviation below this counts as constant.

    Returns:
        A float in [1, D] (0.0 when every feature is constant).
    """
    feats = np.asarray(feats, dtype=np.float64)
    scaler = FeatureStandardizer(eps).fit(feats)  # constant features become 0: no eigenvalue
    eig = np.linalg.svd((feats - scaler.mean) / scaler.std, compute_uv=False)**2
    total = eig.sum()
    return float(total**2 / (eig**2).sum()) if total > 0 else 0.0


@dataclass
class FitResult:
    """A trained head and how it was chosen.

    Attributes:
        head: the head in eval mode, with the best validation state loaded.
        selection: ``lr``, ``weight_decay``, ``epoch`` and ``val_score`` of the chosen model,
            ``select_on`` (what ``val_score`` is), and ``candidates``, the best validation score
            of each (lr, weight_decay) tried.
    """
    head: nn.Module
    selection: dict


@dataclass
class Candidate:
    """One (lr, weight decay) trained: its head at the best check and where that was."""
    head: nn.Module
    lr: float
    weight_decay: float
    epoch: int
    val_score: float

    def record(self) -> dict:
        return dict(lr=self.lr, weight_decay=self.weight_decay, epoch=self.epoch,
                    val_score=self.val_score)


def build_adam(model: nn.Module, lr: float, weight_decay: float) -> OptimWrapper:
    """mmengine's ``OptimWrapper`` around Adam, as the toolkit builds every optimiser."""
    return build_optim_wrapper(model, dict(type='OptimWrapper', optimizer=dict(
        type='Adam', lr=lr, weight_decay=weight_decay)))


def _as_list(value: Union[float, Sequence[float]]) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _batches(n: int, batch_size: int, generator: torch.Generator):
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def is_better(value: float, best: float, greater_is_better: bool) -> bool:
    """Strictly better; NaN is never better (an undefined score cannot be selected)."""
    if not np.isfinite(value):
        return False
    if not np.isfinite(best):
        return True
    return value > best if greater_is_better else value < best


def head_loss(head: nn.Module, feats: torch.Tensor, keypoints: torch.Tensor,
              keypoints_visible: torch.Tensor) -> torch.Tensor:
    """Any probe head's total loss: ``head.loss(feats, targets)`` summed over its terms."""
    losses = head.loss(feats, dict(keypoints=keypoints, keypoints_visible=keypoints_visible))
    return sum(losses.values())


def _train_one(build: Callable[[], nn.Module], train: Tuple[torch.Tensor, ...],
               val_score: Callable[[nn.Module], float], greater_is_better: bool, lr: float,
               weight_decay: float, epochs: int, batch_size: int, val_interval: int,
               patience: int, seed: int, init_mean: Optional[torch.Tensor]):
    torch.manual_seed(seed)
    head = build()
    if init_mean is not None:
        head.init_from_mean(init_mean)
    optim = build_adam(head, lr, weight_decay)
    generator = torch.Generator().manual_seed(seed)
    n = len(train[0])

    def score() -> float:
        head.eval()
        with torch.no_grad():
            value = float(val_score(head))
        head.train()
        return value

    best_score, best_epoch, best_state = score(), 0, copy.deepcopy(head.state_dict())
    checks_since_best = 0
    head.train()
    for epoch in range(1, epochs + 1):
        for index in _batches(n, batch_size, generator):
            optim.update_params(head_loss(head, *(t[index] for t in train)))
        if epoch % val_interval and epoch != epochs:
            continue
        current = score()
        if is_better(current, best_score, greater_is_better):
            best_score, best_epoch = current, epoch
            best_state = copy.deepcopy(head.state_dict())
            checks_since_best = 0
        else:
            checks_since_best += 1
            if checks_since_best >= patience:
                break
    head.load_state_dict(best_state)
    head.eval()
    return Candidate(head, lr, weight_decay, best_epoch, best_score)


@contextlib.contextmanager
def _torch_threads(num: Optional[int]):
    """Run with ``num`` intra-op threads, then restore. Probe heads are tiny: splitting their
    ops over threads costs more than it saves, and on a shared machine a waiting thread can
    make every op several times slower."""
    previous = torch.get_num_threads()
    if num:
        torch.set_num_threads(num)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def fit_head(head_cfg: dict, train: Tuple[torch.Tensor, ...], val: Tuple[torch.Tensor, ...],
             *, epochs: int, batch_size: int, lr: Union[float, Sequence[float]],
             weight_decay: Union[float, Sequence[float]], val_interval: int, patience: int,
             seed: int, init_mean: Optional[torch.Tensor] = None,
             num_threads: Optional[int] = None,
             val_score: Optional[Callable[[nn.Module], float]] = None,
             greater_is_better: bool = False, select_on: str = 'loss') -> FitResult:
    """Train a head from its config; model selection (epoch, lr, weight decay) on val.

    Args:
        head_cfg: a ``PROBE_HEADS`` config, complete (``in_channels``, ``num_keypoints`` set).
        train: ``(feats [N, D], keypoints [N, K, 2] normalised, keypoints_visible [N, K])``
            tensors; every head takes the same targets and its loss reads what it needs.
        val: the same for the validation split.
        epochs: the most epochs trained.
        batch_size: instances per Adam step.
        lr: learning rate, or a list to choose from.
        weight_decay: Adam weight decay, or a list to choose from.
        val_interval: epochs between validation checks.
        patience: checks without improvement before stopping.
        seed: seeds the head's initialisation and the batch order (same for every candidate).
        init_mean: passed to the head's ``init_from_mean`` before training (the mean target),
            so that training starts from the constant, mean predictor.
        num_threads: torch intra-op threads while training (None: leave as is).
        val_score: ``head -> float``, the selection score on val (the head is in eval mode);
            None selects on the head's loss over ``val``.
        greater_is_better: direction of ``val_score`` (the loss: lower is better).
        select_on: the name of what ``val_score`` measures, recorded in the selection.

    Returns:
        The chosen head and its :class:`FitResult` selection record.
    """
    if val_score is None:
        def val_score(head):
            return float(head_loss(head, *val))
        greater_is_better, select_on = False, 'loss'
    best: Optional[Candidate] = None
    candidates = []
    with _torch_threads(num_threads):
        for lr_i, wd_i in itertools.product(_as_list(lr), _as_list(weight_decay)):
            candidate = _train_one(
                lambda: PROBE_HEADS.build(copy.deepcopy(head_cfg)), train, val_score,
                greater_is_better, lr_i, wd_i, epochs, batch_size, val_interval, patience, seed,
                init_mean)
            candidates.append(candidate.record())
            if best is None or is_better(candidate.val_score, best.val_score, greater_is_better):
                best = candidate
    selection = dict(best.record(), select_on=select_on, candidates=candidates)
    return FitResult(head=best.head, selection=selection)


def predict(head: nn.Module, feats: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """Run ``head.predict`` over [N, D] features in batches; returns a float64 array."""
    out = []
    with torch.no_grad():
        for start in range(0, len(feats), batch_size):
            out.append(head.predict(torch.as_tensor(feats[start:start + batch_size])).numpy())
    return np.concatenate(out).astype(np.float64)


def to_tensors(*arrays: np.ndarray) -> Tuple[torch.Tensor, ...]:
    """float32 tensors of numpy arrays."""
    return tuple(torch.as_tensor(np.asarray(a, dtype=np.float32)) for a in arrays)


__all__ = ['FeatureStandardizer', 'FitResult', 'Candidate', 'fit_head', 'head_loss', 'build_adam',
           'is_better', 'predict', 'to_tensors']
