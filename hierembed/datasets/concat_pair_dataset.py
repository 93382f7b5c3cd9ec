"""Several pair datasets drawn as one, in fixed shares (for example rendered and real video)."""
from typing import Dict, List, Sequence, Union

import numpy as np
from torch.utils.data import Dataset

from hierembed.registry import DATASETS


@DATASETS.register_module()
class ConcatPairDataset(Dataset):
    """Pair datasets (:class:`VideoPairDataset`) concatenated, with fresh pairs in every pass.

    ``torch.utils.data.ConcatDataset`` refuses an index past its length, and the pair samplers
    (:class:`InfinitePairSampler`, :class:`DefaultPairSampler`) give ``pass * len + i``. Here
    index ``i`` is pass ``p = i // len`` and position ``j = i % len``; ``j`` falls in dataset
    ``k`` at local position ``l``, and the pair is ``datasets[k][p * len(datasets[k]) + l]``:
    each dataset draws its own fresh pairs in every pass, from its own seed.

    A dataset's share of the pairs is its length over the sum (a :class:`VideoPairDataset` is
    ``num_videos * pairs_per_video`` long): to draw half the pairs from 13 videos and half from
    96, give the 13 ``pairs_per_video=74`` and the 96 ``pairs_per_video=10``. Every dataset
    must give crops of one size (they are batched together).

    Args:
        datasets: dataset configs (built from ``DATASETS``) or datasets.

    Returns (``__getitem__``): what the dataset the index falls in returns.
    """

    def __init__(self, datasets: Sequence[Union[Dict, Dataset]]):
        super().__init__()
        if isinstance(datasets, (dict, str)) or not datasets:
            raise ValueError('datasets must be a non-empty list of dataset configs, got '
                             f'{datasets!r}')
        self.datasets: List[Dataset] = [DATASETS.build(d) if isinstance(d, dict) else d
                                        for d in datasets]
        sizes = {getattr(d, 'input_size', None) for d in self.datasets}
        if len(sizes) > 1:
            raise ValueError(f'datasets give crops of different sizes {sorted(sizes, key=str)}: '
                             'they are batched together, give them one input_size')
        lengths = [len(d) for d in self.datasets]
        if min(lengths) < 1:
            raise ValueError(f'an empty dataset among {lengths} pairs per pass')
        self.ends = np.cumsum(lengths)
        self.input_size = sizes.pop()
        self.metainfo: Dict = dict(getattr(self.datasets[0], 'metainfo', {}))

    def __len__(self) -> int:
        return int(self.ends[-1])

    def locate(self, index: int):
        """The (dataset position ``k``, index in ``datasets[k]``) that ``index`` draws."""
        index = int(index)
        if index < 0:
            raise IndexError(f'index {index} < 0')
        p, j = divmod(index, len(self))
        k = int(np.searchsorted(self.ends, j, 'right'))
        start = int(self.ends[k - 1]) if k else 0
        return k, p * len(self.datasets[k]) + j - start

    def __getitem__(self, index: int) -> Dict:
        k, local = self.locate(index)
        return self.datasets[k][local]
