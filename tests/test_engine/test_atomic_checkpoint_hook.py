"""AtomicCheckpointHook's start: mmengine's unused FileClient says nothing."""
import logging
from types import SimpleNamespace

from mmengine.hooks import CheckpointHook
from mmengine.logging import MMLogger

from hierembed.engine.hooks.atomic_checkpoint_hook import AtomicCheckpointHook


def _messages_of_before_train(hook_cls, tmp_path):
    logger = MMLogger.get_instance(f'atomic-hook-{hook_cls.__name__}-{id(tmp_path)}')
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    hook_cls(interval=1).before_train(SimpleNamespace(logger=logger, work_dir=str(tmp_path)))
    return [r.getMessage() for r in records]


def test_no_file_client_deprecation_noise(tmp_path):
    # mmengine's own hook says it (so the test sees the noise where it comes from) ...
    plain = _messages_of_before_train(CheckpointHook, tmp_path)
    assert any(m.startswith('"FileClient" will be deprecated') for m in plain)
    assert any(m.startswith('"HardDiskBackend" is the alias') for m in plain)
    # ... and ours does not, while its own message stays
    ours = _messages_of_before_train(AtomicCheckpointHook, tmp_path)
    assert ours == [f'Checkpoints will be saved to {tmp_path}.']
    # the filter is gone afterwards: the logger is untouched
    assert not MMLogger.get_current_instance().filters
