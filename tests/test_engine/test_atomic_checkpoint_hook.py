"""AtomicCheckpointHook's start: mmengine's unused FileClient says nothing."""
import logging
import uuid
from types import SimpleNamespace

from mmengine.hooks import CheckpointHook
from mmengine.logging import MMLogger

from hierembed.engine.hooks.atomic_checkpoint_hook import AtomicCheckpointHook


def _messages_of_before_train(hook_cls, tmp_path):
    # a new name every call: get_instance on a name seen before (id() values are reused) returns
    # that older logger, which is not the 'current' one mmengine's print_log writes to
    logger = MMLogger.get_instance(f'atomic-hook-{hook_cls.__name__}-{uuid.uuid4().hex}')
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


def test_saving_says_nothing_of_file_clients(tmp_path):
    import torch
    from mmengine.runner.checkpoint import save_checkpoint
    logger = MMLogger.get_instance(f'atomic-hook-save-{uuid.uuid4().hex}')
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)

    def runner_save(out_dir, filename, file_client_args=None, **kwargs):
        # what mmengine's Runner.save_checkpoint ends in (it builds an unused FileClient)
        save_checkpoint(dict(state_dict={'w': torch.zeros(1)}), f'{out_dir}/{filename}',
                        file_client_args=file_client_args, backend_args=kwargs['backend_args'])

    hub = SimpleNamespace(update_info=lambda *a: None)
    runner = SimpleNamespace(logger=logger, work_dir=str(tmp_path), save_checkpoint=runner_save,
                             message_hub=hub)
    hook = AtomicCheckpointHook(interval=1, by_epoch=False)
    hook.before_train(runner)
    hook._save_checkpoint_with_step(runner, 1, {})
    assert (tmp_path / 'iter_1.pth').is_file()
    assert not [r for r in records if 'FileClient' in r.getMessage()
                or 'HardDiskBackend' in r.getMessage()]
