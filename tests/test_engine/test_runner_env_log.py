"""HierembedRunner's environment record names processes, not GPUs, on a machine without CUDA."""
import logging

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from hierembed.engine.runner import HierembedRunner


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU wording')
def test_no_gpu_number_on_a_cpu_run(tmp_path):
    runner = object.__new__(HierembedRunner)  # only what _log_env reads
    runner.logger = MMLogger.get_instance(f'env-log-{id(tmp_path)}')
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    runner.logger.addHandler(handler)
    runner._randomness_cfg, runner._seed = dict(seed=0), 0
    runner._launcher, runner._distributed, runner._world_size = 'pytorch', True, 2
    runner.cfg = Config()
    runner._log_env(dict(dist_cfg=dict(backend='gloo')))
    text = '\n'.join(r.getMessage() for r in records)
    assert 'processes (CPU): 2' in text and 'GPU number' not in text
    assert not runner.logger.filters
