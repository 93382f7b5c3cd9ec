"""Every N iterations, a picture of the warp on the current batch (rank 0 only)."""
import os.path as osp

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from hierembed.ops import resize_image
from hierembed.registry import HOOKS
from hierembed.visualization.warp_visualizer import draw_warp_grid
from .eval_mode import model_in_eval


@HOOKS.register_module()
class WarpVisualizationHook(Hook):
    """Draw source / target / generated / confidence / level-1 matches for a few pairs.

    The grid (see ``hierembed.visualization.draw_warp_grid``) goes once to
    ``runner.visualizer.add_image('warp', ...)``, whose backends write it: mmengine's
    ``LocalVisBackend`` as ``<log dir>/vis_data/vis_image/warp_<iteration>.png`` (the path is
    logged), TensorBoard when installed.

    The model runs in eval mode for the picture: in train mode BatchNorm would update its running
    statistics with the picture batch, and a SyncBatchNorm would wait for the other ranks, which
    never make this call.

    Args:
        interval: draw every ``interval`` training iterations (and after the last one).
        max_samples: pairs (rows) per picture.
        panel_size: pixels per panel side (default: the input's side times the integer that
            brings it nearest 96 px; the source and target panels show the input crops).
        points_per_side: the correspondence panel follows this many squared target pixels.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 500, max_samples: int = 4, panel_size=None,
                 points_per_side: int = 3) -> None:
        self.interval = interval
        self.max_samples = max_samples
        self.panel_size = panel_size
        self.points_per_side = points_per_side

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not is_main_process() or data_batch is None:
            return
        if not (self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner)):
            return
        with model_in_eval(runner) as model, torch.no_grad():
            data = model.data_preprocessor(data_batch, False)
            inputs = {k: v[:self.max_samples] for k, v in data['inputs'].items()}
            warp = model.warp(inputs['source'], inputs['target'],
                              source_clean=inputs.get('source_clean'))
            full = dict(source=inputs.get('source_clean', inputs['source']),
                        target=inputs.get('target_clean', inputs['target']))
            if not warp.get('target'):
                target = inputs.get('target_clean', inputs['target'])
                warp['target'] = [resize_image(target, gen.shape[-1])
                                  for gen in warp['generated']]
        image = draw_warp_grid(warp, max_samples=self.max_samples, panel_size=self.panel_size,
                               points_per_side=self.points_per_side, inputs=full)
        step = runner.iter + 1
        runner.visualizer.add_image('warp', image, step=step)
        for backend in getattr(runner.visualizer, '_vis_backends', {}).values():
            save_dir = getattr(backend, '_img_save_dir', None)
            if save_dir is not None:
                path = osp.join(save_dir, f'warp_{step}.png')
                runner.logger.info(f'warp picture: {path}')
