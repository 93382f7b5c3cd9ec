"""mmengine's samplers, with the pass number folded into the index.

:class:`VideoPairDataset` maps index ``i`` to a pair drawn with the seed ``[seed, i // len,
i % len]``. mmengine's samplers yield ``i < len`` only, so every pass repeats the same pairs;
these subclasses yield ``pass * len + i`` instead: the same videos, the same sharding across ranks
(they reuse mmengine's code for both), fresh frame pairs and jitter in every pass.
"""
import itertools
from typing import Iterator

import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler

from hierembed.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class InfinitePairSampler(InfiniteSampler):
    """``InfiniteSampler`` (no 2 s wrap-around pause in iteration loops), fresh pairs each pass.

    Args: as mmengine's ``InfiniteSampler`` (``dataset``, ``shuffle=True``, ``seed=None``).
    """

    def skip(self, num_indices: int) -> None:
        """Restart this rank's index stream after its first ``num_indices`` indices.

        The next iterator yields what an uninterrupted stream yields from that position on
        (mmengine's ``InfiniteSampler`` keeps one stream, ``self.indices``, across iterators).
        Used to resume (``SkipIterBasedTrainLoop``): only integers are drawn and dropped, no
        sample is loaded.
        """
        self.indices = itertools.islice(self._indices_of_rank(), int(num_indices), None)

    def _infinite_indices(self) -> Iterator[int]:
        g = torch.Generator()
        g.manual_seed(self.seed)
        for epoch in itertools.count():
            base = epoch * self.size
            if self.shuffle:
                order = torch.randperm(self.size, generator=g).tolist()
            else:
                order = range(self.size)
            yield from (base + i for i in order)


@DATA_SAMPLERS.register_module()
class DefaultPairSampler(DefaultSampler):
    """``DefaultSampler`` for epoch-based loops, fresh pairs each epoch (after ``set_epoch``)."""

    def __iter__(self) -> Iterator[int]:
        base = self.epoch * len(self.dataset)
        return (base + i for i in super().__iter__())
