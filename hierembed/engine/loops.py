"""An iteration loop that resumes without loading the batches it skips.

mmengine 0.10.7's ``IterBasedTrainLoop.run`` fast-forwards a resumed run by calling ``next``
on the dataloader once per iteration already trained: every earlier batch is decoded, cropped
and jittered again, which at iteration 100 000 of a paper-size run takes hours. Our samplers
(:class:`~hierembed.datasets.InfinitePairSampler`) are pure functions of the position in the
index stream and our pairs pure functions of the index, so the loop tells the sampler where to
start instead (:meth:`InfinitePairSampler.skip`): the resumed run sees the batches that the
uninterrupted one would have seen, and loads none of the skipped ones.
"""
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from hierembed.registry import LOOPS

__all__ = ['SkipIterBasedTrainLoop']


@LOOPS.register_module()
class SkipIterBasedTrainLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` whose resume skips through the sampler, not the dataloader.

    With a sampler that has no ``skip`` (mmengine's own), it falls back to mmengine's
    fast-forward. Arguments: as ``IterBasedTrainLoop`` (``max_iters``, ``val_interval``, ...).
    """

    def run(self):
        """Launch training: mmengine's ``run`` with the fast-forward replaced."""
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
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
