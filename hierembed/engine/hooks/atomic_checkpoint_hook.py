"""mmengine's CheckpointHook, made safe against a kill at any instant."""
import contextlib
import inspect
import logging
import os.path as osp
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from hierembed.registry import HOOKS
from hierembed.utils.misc import reject_unknown_keys
from ..checkpoint import (CONFIG_KEY, CONFIG_TEXT_KEYS, atomic_write_bytes, config_to_literals,
                          remove_stale_temporaries)


class _DropRecords(logging.Filter):
    """Drops log records whose message starts with one of ``prefixes``."""

    def __init__(self, prefixes):
        super().__init__()
        self.prefixes = tuple(prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefixes)


@contextlib.contextmanager
def _no_file_client_noise(logger):
    """mmengine's hook and ``save_checkpoint`` build a FileClient they do not use (kept for
    their backward compatibility), which logs two deprecation warnings: not ours to show."""
    quiet = _DropRecords(('"FileClient" will be deprecated',
                          '"HardDiskBackend" is the alias of "LocalBackend"'))
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """Save checkpoints so that ``--resume`` after a crash always finds a whole file.

    Four things differ from mmengine's hook, whose arguments it takes unchanged:

    - checkpoints are written through the ``local_atomic`` file backend (temporary file, fsync,
      ``os.replace``) unless ``backend_args`` names another backend;
    - ``work_dir/last_checkpoint``, which ``--resume`` reads to find the newest checkpoint, is
      replaced atomically too, and only after the checkpoint it names is complete;
    - checkpoints beyond ``max_keep_ckpts`` are removed after the new one is saved, not before
      (with ``max_keep_ckpts=1`` mmengine deletes the only checkpoint first, so a kill at that
      moment leaves nothing to resume from);
    - the training config is saved as data (``meta['hierembed_cfg']``, plain literals) instead
      of mmengine's Python text (``meta['cfg']``), which a reader would have to execute.

    Temporary files left by a killed writer are removed when training starts. An argument that
    mmengine's hook does not name is refused here (mmengine passes it on to ``save_checkpoint``,
    which fails at the first save: 250 iterations in by default).
    """

    def __init__(self, *args, backend_args: Optional[dict] = None, **kwargs) -> None:
        reject_unknown_keys(kwargs, inspect.signature(CheckpointHook).parameters,
                            'AtomicCheckpointHook (default_hooks.checkpoint)')
        if backend_args is None and kwargs.get('file_client_args') is None:
            backend_args = dict(backend='local_atomic')
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def before_train(self, runner) -> None:
        """Resolve ``out_dir`` and clear temporaries of an interrupted save."""
        with _no_file_client_noise(runner.logger):
            super().before_train(runner)
        if is_main_process() and osp.isdir(self.out_dir):
            for path in remove_stale_temporaries(self.out_dir):
                runner.logger.warning(f'Removed {path}, left by a checkpoint write that was '
                                      'interrupted.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Replace the config text of ``checkpoint['meta']`` by the config as data."""
        meta = checkpoint.setdefault('meta', {})
        for key in CONFIG_TEXT_KEYS:
            meta.pop(key, None)
        meta[CONFIG_KEY] = config_to_literals(runner.cfg.to_dict())

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)

        expired: List[int] = []
        # ``keep_ckpt_ids`` goes into the checkpoint's message hub, so it is updated first;
        # a step saved twice (latest and best in one iteration) is counted once.
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                expired.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        with _no_file_client_noise(runner.logger):
            runner.save_checkpoint(
                self.out_dir,
                ckpt_filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)

        if not is_main_process():
            return
        atomic_write_bytes(self.last_ckpt.encode('utf-8'),
                           osp.join(runner.work_dir, 'last_checkpoint'))
        for old_step in expired:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old_step))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
