"""The Runner of ``tools/train.py``: mmengine's, with a resume that cannot go wrong silently.

mmengine 0.10.7's ``Runner.resume`` loads the weights non-strictly (a missing or mis-shaped layer
is re-initialised with a notice in the log), takes any ``meta['iter']``, loads NaN weights and
trains on, and follows ``work_dir/last_checkpoint`` wherever it points (after a work dir is
copied or moved: into the other folder). :class:`HierembedRunner` changes exactly that:

- a resumed checkpoint must match the model key for key and shape for shape, hold finite
  floating-point tensors only, and carry ``meta['iter']`` as an integer >= 0; otherwise a
  :class:`~hierembed.errors.CheckpointError` names the file and the first keys at fault;
- ``--resume`` without a path resolves ``last_checkpoint`` inside the work dir
  (:func:`latest_checkpoint`).

:func:`work_dir_lock` keeps a second training run out of a work dir while the first lives.
"""
import fcntl
import logging
import os
import os.path as osp
import re
import socket
from contextlib import contextmanager
from typing import Iterator, List, Optional

import torch
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model

from hierembed.errors import CheckpointError, ConfigError, WorkDirBusyError

__all__ = ['HierembedRunner', 'LOCK_NAME', 'latest_checkpoint', 'work_dir_lock']

LOCK_NAME = '.train.lock'
_SHOWN = 3  # keys named in a message


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint that ``work_dir/last_checkpoint`` names, found inside ``work_dir``.

    ``AtomicCheckpointHook`` writes the checkpoint's path as it was when saved; a work dir
    copied or moved since holds the file under the same name.

    Args:
        work_dir: a training work dir.

    Returns:
        The path, or None when there is no ``last_checkpoint``.

    Raises:
        CheckpointError: ``last_checkpoint`` names a file that is not in the work dir.
    """
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record) as f:
        named = f.read().strip()
    inside = osp.join(work_dir, osp.basename(named))
    if osp.isfile(inside):
        return inside
    raise CheckpointError(f'names {named!r}, and {osp.basename(named)!r} is not in the work '
                          'dir: resume with --resume CKPT, or delete last_checkpoint to train '
                          'from the start', file=record)


@contextmanager
def work_dir_lock(work_dir: str) -> Iterator[str]:
    """Hold ``work_dir/.train.lock`` for one training run.

    The lock is an ``flock``, which the system releases when its process ends in any way (a
    kill -9 included): the lock file left by a killed run is taken over, never in the way.

    Args:
        work_dir: created if missing.

    Yields:
        The lock file's path.

    Raises:
        WorkDirBusyError: another living process holds it; the message says which.
        ConfigError: ``work_dir`` is a file.
    """
    if osp.exists(work_dir) and not osp.isdir(work_dir):
        raise ConfigError('is a file, not a folder: give another --work-dir', file=work_dir)
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_NAME)
    with open(path, 'a+') as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or 'another process'
            raise WorkDirBusyError(f'{holder} trains in this work dir: wait for it, stop it, or '
                                   'give this run another --work-dir', file=work_dir) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f'process {os.getpid()} on {socket.gethostname()}\n')
        lock.flush()
        try:
            yield path
        finally:
            lock.seek(0)
            lock.truncate()
            fcntl.flock(lock, fcntl.LOCK_UN)


def _revised(state_dict: dict, revise_keys) -> dict:
    for pattern, repl in revise_keys:
        state_dict = {re.sub(pattern, repl, k): v for k, v in state_dict.items()}
    return state_dict


def _listed(keys: List[str]) -> str:
    more = f' and {len(keys) - _SHOWN} more' if len(keys) > _SHOWN else ''
    return ', '.join(keys[:_SHOWN]) + more


def check_resumable(checkpoint, filename: str, model: torch.nn.Module,
                    revise_keys=((r'^module.', ''),)) -> None:
    """Refuse a checkpoint that a resume would load wrongly.

    Args:
        checkpoint: what the loader returned.
        filename: for the messages.
        model: the model (unwrapped) it is loaded into.
        revise_keys: as for ``Runner.load_checkpoint``.

    Raises:
        CheckpointError: no ``meta``/``state_dict``, ``meta['iter']`` not an integer >= 0, keys
            or shapes that differ from the model's, or non-finite floating-point tensors.
    """
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    if not isinstance(meta, dict) or not isinstance(checkpoint.get('state_dict'), dict):
        raise CheckpointError('holds no meta and state_dict: it is not a training checkpoint '
                              'of mmengine; start with load_from=CKPT instead of --resume',
                              file=filename)
    it = meta.get('iter')
    if isinstance(it, bool) or not isinstance(it, int) or it < 0:
        raise CheckpointError(f'is {it!r}, not an iteration (an integer >= 0): the file was '
                              'edited or written by another tool', file=filename,
                              field="meta['iter']")
    state = _revised(checkpoint['state_dict'], revise_keys)
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shaped = sorted(k for k in set(own) & set(state) if hasattr(state[k], 'shape')
                    and tuple(state[k].shape) != tuple(own[k].shape))
    if missing or unexpected or shaped:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing ({_listed(missing)})')
        if unexpected:
            parts.append(f'{len(unexpected)} unexpected ({_listed(unexpected)})')
        if shaped:
            first = shaped[0]
            parts.append(f'{len(shaped)} of another shape ({first}: '
                         f'{tuple(state[first].shape)} here, {tuple(own[first].shape)} in the '
                         f'model{"; " + _listed(shaped[1:]) if shaped[1:] else ""})')
        raise CheckpointError(f'does not match the model: {"; ".join(parts)}. Resume with the '
                              'config the checkpoint was trained with', file=filename,
                              field='state_dict')
    bad = [k for k, v in state.items() if torch.is_tensor(v) and v.is_floating_point()
           and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f'{len(bad)} tensor(s) hold NaN or inf ({_listed(bad)}): the run '
                              'that wrote it had diverged; resume from an earlier checkpoint',
                              file=filename, field='state_dict')


class _CpuProcessCount(logging.Filter):
    """Renames mmengine's ``GPU number`` (the world size) in the records it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and 'GPU number: ' in record.msg:
            record.msg = record.msg.replace('GPU number: ', 'processes (CPU): ')
        return True


class HierembedRunner(Runner):
    """mmengine's Runner whose resume is strict and whose auto-resume stays in the work dir.

    Arguments: as ``Runner`` (build it with ``HierembedRunner.from_cfg(cfg)``).
    """

    _resuming = False

    def _log_env(self, env_cfg: dict) -> None:
        """mmengine's record of the environment; without CUDA its ``GPU number`` (the count of
        processes) reads ``processes (CPU)``."""
        if torch.cuda.is_available():
            return super()._log_env(env_cfg)
        rename = _CpuProcessCount()
        self.logger.addFilter(rename)
        try:
            super()._log_env(env_cfg)
        finally:
            self.logger.removeFilter(rename)

    def load_or_resume(self) -> None:
        """mmengine's, with ``last_checkpoint`` resolved inside the work dir."""
        if not self._has_loaded and self._resume and self._load_from is None:
            self._load_from = latest_checkpoint(self.work_dir)
        super().load_or_resume()

    def resume(self, filename: str, *args, **kwargs) -> None:
        """mmengine's ``resume``, loading strictly and checking the file first."""
        self._resuming = True
        try:
            super().resume(filename, *args, **kwargs)
        finally:
            self._resuming = False

    def load_checkpoint(self, filename: str, map_location='cpu', strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):  # noqa: B006 (mmengine's)
        """mmengine's ``load_checkpoint``; when resuming, :func:`check_resumable` first and a
        strict load."""
        if not osp.exists(filename) and '://' not in filename:
            raise FileNotFoundError(f'{filename}: no such checkpoint')
        if osp.isdir(filename):
            raise CheckpointError('is a folder, not a checkpoint: give the .pth file in it '
                                  '(or --resume alone for the newest one of the work dir)',
                                  file=filename)
        # mmengine's own "Loads checkpoint by ..." line is silenced: ours below says it once
        checkpoint = _load_checkpoint(filename, map_location=map_location, logger='silent')
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        if self._resuming:
            check_resumable(checkpoint, filename, model, revise_keys)
            strict = True
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
