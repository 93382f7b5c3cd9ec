"""Every N iterations, a picture of the warp on the current batch (rank 0 only)."""
import os
import os.path as osp
from typing import Optional

import cv2
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from hierembed.ops import resize_image
from hierembed.registry import HOOKS
from hierembed.visualization.warp_visualizer import draw_warp_grid


@HOOKS.register_module()
class WarpVisualizationHook(Hook):
    """Draw source / target / generated / confidence / level-1 matches for a few pairs.

    The grid (see ``hierembed.visualization.draw_warp_grid``) is written to
    ``work_dir/<out_dir>/warp_iter_XXXXXXX.png`` and passed to ``runner.visualizer.add_image``,
    which forwards it to the configured backends (local files, TensorBoard).

    The model runs in eval mode for the picture: in train mode BatchNorm would update its running
    statistics with the picture batch, and a SyncBatchNorm would wait for the other ranks, which
    never make this call.

    Args:
        interval: draw every ``interval`` training iterations (and after the last one).
        max_samples: pairs (rows) per picture.
        out_dir: folder under the work dir.
        panel_size: pixels per panel side.
        points_per_side: the correspondence panel follows this many squared target pixels.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 500, max_samples: int = 4, out_dir: str = 'warp_vis',
                 panel_size: int = 96, points_per_side: int = 3) -> None:
        self.interval = interval
        self.max_samples = max_samples
        self.out_dir = out_dir
        self.panel_size = panel_size
        self.points_per_side = points_per_side
        self.last_path: Optional[str] = None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not is_main_process() or data_batch is None:
            return
        if not (self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner)):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                data = model.data_preprocessor(data_batch, False)
                inputs = {k: v[:self.max_samples] for k, v in data['inputs'].items()}
                warp = model.warp(inputs['source'], inputs['target'],
                                  source_clean=inputs.get('source_clean'))
                if not warp.get('target'):
                    target = inputs.get('target_clean', inputs['target'])
                    warp['target'] = [resize_image(target, gen.shape[-1])
                                      for gen in warp['generated']]
        finally:
            model.train(was_training)
        image = draw_warp_grid(warp, max_samples=self.max_samples, panel_size=self.panel_size,
                               points_per_side=self.points_per_side)
        step = runner.iter + 1
        folder = osp.join(runner.work_dir, self.out_dir)
        os.makedirs(folder, exist_ok=True)
        self.last_path = osp.join(folder, f'warp_iter_{step:07d}.png')
        cv2.imwrite(self.last_path, image[..., ::-1])
        runner.visualizer.add_image('warp', image, step=step)
