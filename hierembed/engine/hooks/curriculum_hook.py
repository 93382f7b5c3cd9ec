"""The level curriculum (paper section 4, "Curriculum training strategy"; docs/method.md).

Training starts with level 1 only and adds level r + 1 when the monitored loss stops improving;
once every level is active, the same plateau test lowers the learning rate instead.
"""
import math
from typing import List, Optional, Sequence

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from hierembed.errors import ConfigError
from hierembed.registry import HOOKS


@HOOKS.register_module()
class CurriculumHook(Hook):
    """Grow the number of active warp levels on a loss plateau, then reduce the lr.

    The model (``runner.model``, unwrapped from DDP) must have ``num_levels`` and a settable
    ``active_levels``.

    A *check* happens every ``interval`` training iterations (``check_on='train'``: the mean of
    ``monitor`` over those iterations in the training log vars, averaged over all ranks) or after
    each validation (``check_on='val'``: ``monitor`` in the validation metrics). A check is an
    improvement when the value falls below ``best - min_delta * |best|``. After ``patience``
    checks without one, the next level joins (and ``best`` restarts, as the loss now has more
    terms); with every level active, the learning rate of every parameter group is multiplied by
    ``lr_factor`` (not below ``min_lr``) after ``lr_patience`` checks without improvement.

    Every rank takes the same decision: the monitored value is all-reduced before the test and
    the decision itself is all-reduced (max) after it, so all ranks switch on one iteration even
    if their local losses differ.

    With ``milestones``, levels follow the iteration count instead (level ``r + 1`` from
    iteration ``milestones[r - 1]``), for runs that must be reproducible; the learning rate is
    then left to the param schedulers. Milestones given as fractions (floats in (0, 1)) are
    fractions of the run, ``round(f * max_iters)`` at the start of training, so that a config
    that changes ``train_cfg.max_iters`` moves its levels with it.

    The state (active levels, best, wait, lr reductions, the switch history) is stored in the
    checkpoint under ``'curriculum'`` and restored on resume; the model also keeps
    ``active_levels`` in its state dict.

    Args:
        monitor: key of the training log vars or validation metrics to watch.
        interval: training iterations per check (``check_on='train'``).
        check_on: ``'train'`` or ``'val'``.
        patience: checks without improvement before the next level joins.
        min_delta: relative improvement that counts.
        milestones: iterations (ints) or fractions of ``max_iters`` (floats in (0, 1)) at
            which levels 2, 3, ... join; disables the plateau test.
        start_levels: active levels at the start of a fresh run.
        reduce_lr: lower the learning rate on plateaus once all levels are active.
        lr_factor: multiplier applied at each reduction.
        lr_patience: checks without improvement before a reduction (default: ``patience``).
        min_lr: floor of the learning rate.
    """

    priority = 'NORMAL'  # before LoggerHook (logs the switch) and CheckpointHook (saves it)

    def __init__(self,
                 monitor: str = 'loss',
                 interval: int = 150,
                 check_on: str = 'train',
                 patience: int = 15,
                 min_delta: float = 1e-3,
                 milestones: Optional[Sequence[int]] = None,
                 start_levels: int = 1,
                 reduce_lr: bool = True,
                 lr_factor: float = 0.1,
                 lr_patience: Optional[int] = None,
                 min_lr: float = 0.0) -> None:
        if check_on not in ('train', 'val'):
            raise ConfigError(f"must be 'train' or 'val', got {check_on!r}",
                              field='CurriculumHook.check_on')
        if interval < 1 or patience < 1:
            raise ConfigError(f'must be at least 1, got {interval} and {patience}',
                              field='CurriculumHook.interval and .patience')
        if milestones is not None and list(milestones) != sorted(milestones):
            raise ConfigError(f'must be increasing, got {milestones}',
                              field='CurriculumHook.milestones')
        fractions = milestones is not None and any(isinstance(m, float) for m in milestones)
        if fractions and not all(isinstance(m, float) and 0 < m < 1 for m in milestones):
            raise ConfigError('must be all iterations (ints) or all fractions of the run '
                              f'(floats in (0, 1)), got {milestones}',
                              field='CurriculumHook.milestones')
        if not 0 < lr_factor < 1:
            raise ConfigError(f'must be in (0, 1), got {lr_factor}',
                              field='CurriculumHook.lr_factor')
        self.monitor = monitor
        self.interval = interval
        self.check_on = check_on
        self.patience = patience
        self.min_delta = min_delta
        self._fractions = list(milestones) if fractions else None
        self.milestones = (None if milestones is None or fractions else
                           [int(m) for m in milestones])
        self.start_levels = start_levels
        self.reduce_lr = reduce_lr
        self.lr_factor = lr_factor
        self.lr_patience = patience if lr_patience is None else lr_patience
        self.min_lr = min_lr

        self.active_levels = start_levels
        self.best: Optional[float] = None
        self.wait = 0
        self.num_lr_reductions = 0
        # [iterations done, active levels from then on], for the start and each switch.
        self.history: List[List[int]] = []
        self._window_sum = 0.0
        self._window_count = 0
        self._restored = False

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _model(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not (hasattr(model, 'active_levels') and hasattr(model, 'num_levels')):
            raise TypeError(f'CurriculumHook needs a model with active_levels and num_levels; '
                            f'{type(model).__name__} has not')
        return model

    def _set_levels(self, runner, levels: int, done: int, reason: str) -> None:
        """Activate ``levels`` after ``done`` iterations (from iteration ``done + 1`` on)."""
        model = self._model(runner)
        levels = max(1, min(int(levels), int(model.num_levels)))
        model.active_levels = levels
        self.active_levels = levels
        self.best, self.wait = None, 0
        self.history.append([done, levels])
        runner.logger.info(f'Curriculum: {levels} of {model.num_levels} levels active from '
                           f'iteration {done + 1} ({reason}).')

    def _reduce_lr(self, runner, done: int, reason: str) -> None:
        wrappers = getattr(runner.optim_wrapper, 'optim_wrappers', None)
        wrappers = list(wrappers.values()) if wrappers else [runner.optim_wrapper]
        changed = []
        for wrapper in wrappers:
            for group in wrapper.optimizer.param_groups:
                new_lr = max(group['lr'] * self.lr_factor, self.min_lr)
                changed.append(new_lr < group['lr'])
                group['lr'] = new_lr
        self.best, self.wait = None, 0
        if any(changed):
            self.num_lr_reductions += 1
            lrs = sorted({g['lr'] for w in wrappers for g in w.optimizer.param_groups})
            runner.logger.info(f'Curriculum: learning rate reduced to '
                               f'{", ".join(f"{lr:.3g}" for lr in lrs)} after iteration '
                               f'{done} ({reason}).')

    def _agree(self, flag: bool) -> bool:
        """True on every rank when it is true on any (a no-op without a process group)."""
        tensor = torch.tensor([1.0 if flag else 0.0], dtype=torch.float64)
        all_reduce(tensor, op='max')
        return bool(tensor.item() > 0)

    def _check(self, runner, value: float, done: int) -> None:
        """One plateau test on a value that is already the same on every rank."""
        if not math.isfinite(value):
            runner.logger.warning(f'Curriculum: {self.monitor} is {value}; check skipped.')
            return
        if self.best is None or value < self.best - self.min_delta * abs(self.best):
            self.best, self.wait = value, 0
        else:
            self.wait += 1
        model = self._model(runner)
        all_active = self.active_levels >= model.num_levels
        limit = self.lr_patience if all_active else self.patience
        runner.logger.info(f'Curriculum check after iteration {done}: {self.monitor} '
                           f'{value:.5g}, best {self.best:.5g}, {self.wait} of {limit} checks '
                           f'without improvement ({self.active_levels} levels active).')
        if not self._agree(self.wait >= limit):
            return
        reason = (f'{self.monitor} has not improved by {self.min_delta:g} (relative) for '
                  f'{limit} checks; best {self.best:.5g}')
        if not all_active:
            self._set_levels(runner, self.active_levels + 1, done, reason)
        elif self.reduce_lr:
            self._reduce_lr(runner, done, reason)
        else:
            self.best, self.wait = None, 0

    def _milestone_levels(self, done_iters: int) -> int:
        return self.start_levels + sum(done_iters >= m for m in self.milestones)

    # -- hook points ---------------------------------------------------------------------------

    def before_train(self, runner) -> None:
        """Start a fresh curriculum, or keep the one restored from the checkpoint."""
        if self._fractions is not None:
            self.milestones = [round(f * runner.max_iters) for f in self._fractions]
        model = self._model(runner)
        if self._restored and runner.iter > 0:
            if int(model.active_levels) != self.active_levels:
                runner.logger.warning(
                    f'Curriculum: the checkpoint state says {self.active_levels} active levels '
                    f'but the model says {int(model.active_levels)}; using the former.')
            model.active_levels = self.active_levels
            runner.logger.info(f'Curriculum: resumed with {self.active_levels} of '
                               f'{model.num_levels} levels active at iteration {runner.iter}.')
            return
        # A fresh run, or ``load_from`` without resume: the curriculum starts over.
        self.best, self.wait, self.num_lr_reductions, self.history = None, 0, 0, []
        levels = self.start_levels
        if self.milestones is not None:
            levels = self._milestone_levels(runner.iter)
        self._set_levels(runner, levels, runner.iter, 'start')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        """Count the iteration into the window; switch on milestones or on a plateau."""
        done = runner.iter + 1  # iterations finished, this one included
        if self.milestones is not None:
            levels = min(self._milestone_levels(done), self._model(runner).num_levels)
            if levels != self.active_levels:
                self._set_levels(runner, levels, done, f'milestone {done}')
        elif self.check_on == 'train':
            if not outputs or self.monitor not in outputs:
                raise KeyError(f'CurriculumHook monitors {self.monitor!r}, which is not in the '
                               f'training outputs: {sorted(outputs or {})}')
            value = outputs[self.monitor]
            if torch.is_tensor(value):
                value = value.detach().float().mean()
            self._window_sum += float(value)
            self._window_count += 1
            if done % self.interval == 0:
                local = torch.tensor([self._window_sum / self._window_count], dtype=torch.float64)
                all_reduce(local, op='mean')
                self._window_sum, self._window_count = 0.0, 0
                self._check(runner, float(local.item()), done)
        runner.message_hub.update_scalar('train/active_levels', self.active_levels)

    def after_val_epoch(self, runner, metrics=None) -> None:
        """With ``check_on='val'``: one check per validation."""
        if self.milestones is not None or self.check_on != 'val':
            return
        if not metrics or self.monitor not in metrics:
            raise KeyError(f'CurriculumHook monitors {self.monitor!r}, which is not in the '
                           f'validation metrics: {sorted(metrics or {})}')
        # The evaluator already gathers all ranks; the mean keeps ranks equal regardless.
        value = torch.tensor([float(metrics[self.monitor])], dtype=torch.float64)
        all_reduce(value, op='mean')
        self._check(runner, float(value.item()), runner.iter)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the curriculum state (plain numbers: loadable with ``weights_only``)."""
        checkpoint['curriculum'] = dict(
            active_levels=int(self.active_levels), best=self.best, wait=int(self.wait),
            num_lr_reductions=int(self.num_lr_reductions),
            history=[list(map(int, h)) for h in self.history],
            window_sum=float(self._window_sum), window_count=int(self._window_count))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Restore the curriculum state; ``before_train`` decides whether it applies."""
        state = checkpoint.get('curriculum')
        if state is None:
            return
        self.active_levels = int(state['active_levels'])
        self.best = state['best']
        self.wait = int(state['wait'])
        self.num_lr_reductions = int(state['num_lr_reductions'])
        self.history = [list(h) for h in state['history']]
        self._window_sum = float(state.get('window_sum', 0.0))
        self._window_count = int(state.get('window_count', 0))
        self._restored = True
