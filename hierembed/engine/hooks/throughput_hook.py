"""Training throughput in the log: pairs per second, data time against step time, GPU memory."""
import time
from typing import Optional

import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook

from hierembed.registry import HOOKS


def _batch_size(data_batch) -> int:
    """Number of pairs in a collated batch (``inputs['source']`` is ``[B, 3, S, S]``)."""
    inputs = data_batch.get('inputs') if isinstance(data_batch, dict) else None
    if isinstance(inputs, dict):
        for value in inputs.values():
            if torch.is_tensor(value):
                return int(value.shape[0])
            if isinstance(value, (list, tuple)):
                return len(value)
    if torch.is_tensor(inputs) or isinstance(inputs, (list, tuple)):
        return len(inputs)
    return 0


@HOOKS.register_module()
class ThroughputHook(Hook):
    """Log pairs/s (all ranks together) and the share of each step spent waiting for data.

    Per iteration it adds ``train/pairs_per_s`` and ``train/data_frac`` to the message hub
    (so the log line and TensorBoard show them, averaged over the log interval), and at the end
    of training it logs one summary line: mean pairs/s, data and step time per iteration, and
    the peak GPU memory when training on CUDA. The first ``warmup`` iterations (allocator and
    loader start-up) are left out of the summary.

    Args:
        warmup: iterations excluded from the end-of-training summary.
    """

    priority = 'NORMAL'  # before LoggerHook, which resets the CUDA peak memory counter

    def __init__(self, warmup: int = 2) -> None:
        self.warmup = warmup
        self._iter_start: Optional[float] = None
        self._data_start: Optional[float] = None
        self._data_time = 0.0
        self._pairs = 0
        self._sum_step = 0.0
        self._sum_data = 0.0
        self._count = 0
        self._peak_bytes = 0

    def before_train(self, runner) -> None:
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        self._data_start = time.perf_counter()

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        now = time.perf_counter()
        # The loader yields between after_train_iter and before_train_iter.
        self._data_time = now - self._data_start if self._data_start is not None else 0.0
        self._iter_start = now

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        now = time.perf_counter()
        step = now - (self._iter_start if self._iter_start is not None else now)
        total = step + self._data_time
        pairs = _batch_size(data_batch) * get_world_size()
        if total > 0:
            runner.message_hub.update_scalar('train/pairs_per_s', pairs / total)
            runner.message_hub.update_scalar('train/data_frac', self._data_time / total)
        self._count += 1
        if torch.cuda.is_available():
            # Read every iteration: mmengine's LogProcessor resets the peak at each log line.
            self._peak_bytes = max(self._peak_bytes, torch.cuda.max_memory_allocated())
        if self._count > self.warmup:
            self._pairs += pairs
            self._sum_step += step
            self._sum_data += self._data_time
        self._data_start = time.perf_counter()

    def after_train(self, runner) -> None:
        n = self._count - self.warmup
        if n <= 0:
            return
        total = self._sum_step + self._sum_data
        line = (f'Throughput over {n} iterations: {self._pairs / total:.2f} pairs/s; '
                f'data {self._sum_data / n:.4f} s/iter, step {self._sum_step / n:.4f} s/iter '
                f'({100 * self._sum_data / total:.1f}% waiting for data)')
        if torch.cuda.is_available():
            line += f'; peak GPU memory {self._peak_bytes / 2**20:.0f} MiB'
        runner.logger.info(line)
