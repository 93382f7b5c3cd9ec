"""An iteration loop that resumes without loading the batches it skips.

mmengine 0.10.7's ``IterBasedTrainLoop.run`` fast-forwards a resumed run by calling ``next``
on the dataloader once per iteration already trained: every earlier batch is decoded, cropped
and jittered again, which at iteration 100 000 of a paper-size run takes hours. Our samplers
(:class:`~hierembed.datasets.InfinitePairSampler`) are pure functions of the position in the
index stream and our pairs pure functions of the index, so the loop tells the sampler where to
start instead (:meth:`InfinitePairSampler.skip`): the resumed run sees the batches that the
uninterrupted one would have seen, and loads none of the skipped ones.

The loop also refuses what mmengine's would do silently: ``max_iters`` that is not a positive
integer, a resumed run with nothing left to train, and a loss term that is NaN or infinite (the
run stops before any hook can save the diverged weights, so the checkpoints written before are
kept).
"""
import math

from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from hierembed.errors import ConfigError, HierembedError, NonFiniteLossError
from hierembed.registry import LOOPS

__all__ = ['SkipIterBasedTrainLoop']


@LOOPS.register_module()
class SkipIterBasedTrainLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` whose resume skips through the sampler, not the dataloader.

    With a sampler that has no ``skip`` (mmengine's own), it falls back to mmengine's
    fast-forward. Arguments: as ``IterBasedTrainLoop`` (``max_iters``, ``val_interval``, ...).
    """

    def __init__(self, runner, dataloader, max_iters: int, *args, **kwargs) -> None:
        if isinstance(max_iters, bool) or not isinstance(max_iters, int) or max_iters < 1:
            raise ConfigError(f'must be an integer >= 1, got {max_iters!r}',
                              field='train_cfg.max_iters')
        super().__init__(runner, dataloader, max_iters, *args, **kwargs)

    def run(self):
        """Launch training: mmengine's ``run`` with the fast-forward replaced."""
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        if self._iter >= self._max_iters:
            raise HierembedError(
                f'nothing to train: the run resumed at iteration {self._iter} and '
                f'train_cfg.max_iters is {self._max_iters}; raise train_cfg.max_iters to '
                'train on', file=self.runner.work_dir)
        if self._iter > 0:
            self._fast_forward()
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0
                         or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_iter(self, data_batch) -> None:
        """mmengine's ``run_iter``, stopping on a non-finite loss term before any hook runs."""
        self.runner.call_hook('before_train_iter', batch_idx=self._iter, data_batch=data_batch)
        outputs = self.runner.model.train_step(data_batch,
                                               optim_wrapper=self.runner.optim_wrapper)
        self._check_finite(outputs)
        self.runner.call_hook('after_train_iter', batch_idx=self._iter, data_batch=data_batch,
                              outputs=outputs)
        self._iter += 1

    def _check_finite(self, outputs) -> None:
        """Raise ``NonFiniteLossError`` naming the first non-finite loss term."""
        if not isinstance(outputs, dict):
            return
        values = ((k, _as_float(v)) for k, v in outputs.items() if 'loss' in k)
        bad = [(k, v) for k, v in values if v is not None and not math.isfinite(v)]
        if not bad:
            return
        # the total is NaN whenever a term is: name a term when one is at fault
        name, value = next(((k, v) for k, v in bad if k != 'loss'), bad[0])
        raise NonFiniteLossError(
            f'is {value} at iteration {self._iter + 1}: training stopped, the checkpoints '
            'written before are kept; lower the learning rate, or check the data, and resume '
            'from the last good checkpoint', file=self.runner.work_dir, field=name)

    def _fast_forward(self) -> None:
        sampler = getattr(self.dataloader, 'sampler', None)
        if not hasattr(sampler, 'skip'):
            self.runner.logger.warning(
                f'{type(sampler).__name__} cannot skip: loading {self._iter} batches to resume')
            for _ in range(self._iter):
                next(self.dataloader_iterator)
            return
        # Each rank has taken batch_size indices of its own stream per iteration. The iterator
        # made when the loop was built started at 0: replace it (its prefetched batches, at
        # most prefetch_factor x num_workers, are the only ones loaded for nothing).
        skipped = self._iter * self.dataloader.batch_size
        sampler.skip(skipped)
        self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)
        self.runner.logger.info(f'Resuming at iteration {self._iter}: the sampler starts after '
                                f'{skipped} indices per rank; no skipped batch is loaded.')


def _as_float(value):
    """``value`` (a number or a one-element tensor) as a float; None for anything else."""
    if hasattr(value, 'detach'):
        value = value.detach()
        if value.numel() != 1:
            return None
        return float(value.item())
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
