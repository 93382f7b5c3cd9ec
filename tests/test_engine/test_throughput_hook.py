"""ThroughputHook: pairs per second and data share."""
import time
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub, MMLogger

from hierembed.engine.hooks import ThroughputHook
from hierembed.engine.hooks.throughput_hook import _batch_size


def test_batch_size_of_a_pair_batch():
    batch = dict(inputs=dict(source=torch.zeros(6, 3, 4, 4), target=torch.zeros(6, 3, 4, 4)))
    assert _batch_size(batch) == 6
    assert _batch_size(dict(inputs=[torch.zeros(3)] * 5)) == 5
    assert _batch_size(None) == 0


def test_rates_and_summary(monkeypatch):
    clock = iter([0.0,             # before_train
                  0.3, 1.0,        # iteration 1: 0.3 s data, 0.7 s step
                  1.0, 1.1, 2.0,   # iteration 2: 0.1 s data, 0.9 s step
                  2.0])            # data start after iteration 2
    monkeypatch.setattr(time, 'perf_counter', lambda: next(clock))
    logger = MMLogger.get_instance('throughput-test')
    lines = []
    monkeypatch.setattr(logger, 'info', lines.append)
    runner = SimpleNamespace(message_hub=MessageHub.get_instance('throughput-test'),
                             logger=logger)
    batch = dict(inputs=dict(source=torch.zeros(4, 3, 2, 2)))
    hook = ThroughputHook(warmup=0)
    hook.before_train(runner)
    for i in range(2):
        hook.before_train_iter(runner, i, batch)
        hook.after_train_iter(runner, i, batch, {})
    pairs = runner.message_hub.get_scalar('train/pairs_per_s').data[0]
    data = runner.message_hub.get_scalar('train/data_frac').data[0]
    assert pairs.tolist() == pytest.approx([4.0, 4.0])
    assert data.tolist() == pytest.approx([0.3, 0.1])
    hook.after_train(runner)
    assert lines == ['Throughput over 2 iterations: 4.00 pairs/s; data 0.2000 s/iter, '
                     'step 0.8000 s/iter (20.0% waiting for data)']
