"""Every N iterations, the warp's error on held-out pairs against copying the source frame."""
from typing import Dict, List, Optional

import torch
from mmengine.dataset import default_collate
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from hierembed.datasets.concat_pair_dataset import ConcatPairDataset
from hierembed.errors import HierembedError
from hierembed.ops import resize_image
from hierembed.registry import DATASETS, HOOKS
from .eval_mode import model_in_eval


@torch.no_grad()
def warp_vs_copy(model, dataset, num_pairs: int, batch_size: int = 16,
                 num_levels: Optional[int] = None) -> List[Dict[str, float]]:
    """Per level, the mean photometric error (Eq. 2) of the warp and of copying the source.

    Args:
        model: a ``ClassEmbedder`` (put in eval mode by the caller).
        dataset: a ``VideoPairDataset`` (its ``*_clean`` crops are the targets).
        num_pairs: pairs drawn at evenly spaced indices (fewer when the dataset is smaller).
        batch_size: pairs warped at once.
        num_levels: levels to score (default: the model's active levels).

    Returns:
        One dict per level: ``level``, ``l1`` (the warp's), ``l1_copy`` (the source frame's,
        at that level's size) and ``ratio`` (``l1 / l1_copy``: below 1 beats copying).
    """
    num_levels = num_levels or model.active_levels
    n = len(dataset)
    indices = [k * n // num_pairs for k in range(min(num_pairs, n))]
    sums = torch.zeros(num_levels, 2, dtype=torch.float64)
    for start in range(0, len(indices), batch_size):
        samples = [dataset[i] for i in indices[start:start + batch_size]]
        data = model.data_preprocessor(default_collate(samples), False)['inputs']
        out = model.warp(data['source'], data['target'], data.get('source_clean'),
                         num_levels=num_levels)
        for r in range(num_levels):
            gen, src = out['generated'][r], out['source'][r]
            tgt = resize_image(data['target_clean'], gen.shape[-1])
            sums[r, 0] += (gen - tgt).abs().sum(1).mean((1, 2)).double().sum()
            sums[r, 1] += (src - tgt).abs().sum(1).mean((1, 2)).double().sum()
    means = sums / max(1, len(indices))
    return [dict(level=r + 1, l1=float(means[r, 0]), l1_copy=float(means[r, 1]),
                 ratio=float(means[r, 0] / means[r, 1]) if means[r, 1] > 0 else float('nan'))
            for r in range(num_levels)]


@HOOKS.register_module()
class WarpValidationHook(Hook):
    """Score the warp on held-out pairs: per active level, its error against copying.

    The held-out pairs are the training dataset's config with ``split`` (default ``'val'``,
    identities never trained on) and no jitter. Every ``interval`` iterations (and after the
    last) rank 0 warps ``num_pairs`` of them in eval mode and logs, per level r, ``val/l1_r``
    (the warp's photometric error), ``val/l1_copy_r`` (copying the source frame) and
    ``val/ratio_r`` (below 1: the warp beats copying) to the log and to the visualiser's
    backends (TensorBoard's scalars when installed). A split without videos is warned about
    once and the hook does nothing.

    Args:
        interval: iterations between checks.
        num_pairs: held-out pairs per check (the same ones each time).
        split: the split to score.
        batch_size: pairs warped at once.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 250, num_pairs: int = 64, split: str = 'val',
                 batch_size: int = 16) -> None:
        self.interval, self.num_pairs = interval, num_pairs
        self.split, self.batch_size = split, batch_size
        self.dataset = None

    def before_train(self, runner) -> None:
        if not is_main_process():
            return
        train = runner.cfg.train_dataloader.dataset
        # A ConcatPairDataset: the held-out split of each of its datasets that has one.
        cfgs = [dict(d, split=self.split, jitter=None, procedural=None, ann_file=None)
                for d in train.get('datasets', [train])]
        datasets = []
        for cfg in cfgs:
            try:
                dataset = DATASETS.build(cfg)
            except (FileNotFoundError, HierembedError):  # no file, or nothing usable in it
                dataset = None
            if dataset is None or len(dataset) == 0:
                runner.logger.warning(
                    f'WarpValidationHook: the {self.split!r} split of {cfg.get("data_root")} '
                    'has no videos: no held-out check of the warp on it (convert with more '
                    'identities, or a larger --val-fraction)')
            else:
                datasets.append(dataset)
        if datasets:
            self.dataset = datasets[0] if len(datasets) == 1 else ConcatPairDataset(datasets)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.dataset is None:
            return
        if not (self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner)):
            return
        with model_in_eval(runner) as model:
            levels = warp_vs_copy(model, self.dataset, self.num_pairs, self.batch_size)
        scalars = {}
        for lv in levels:
            r = lv['level']
            scalars.update({f'val/l1_{r}': lv['l1'], f'val/l1_copy_{r}': lv['l1_copy'],
                            f'val/ratio_{r}': lv['ratio']})
        step = runner.iter + 1
        runner.visualizer.add_scalars(scalars, step=step)
        runner.logger.info(
            f'Held-out warp ({self.split}, {min(self.num_pairs, len(self.dataset))} pairs) at '
            f'iteration {step}: ' + ', '.join(
                f'level {lv["level"]} {lv["l1"]:.4f} against copying {lv["l1_copy"]:.4f} '
                f'(ratio {lv["ratio"]:.3f})' for lv in levels))
