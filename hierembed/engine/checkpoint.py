"""Checkpoint files that load under torch >= 2.6 and that a crash cannot corrupt.

Loading
-------
torch >= 2.6 defaults ``torch.load`` to ``weights_only=True``; mmengine 0.10.7 calls it without
the argument, and its checkpoints hold more than tensors (the message hub keeps
``HistoryBuffer`` objects with numpy arrays, numpy scalars and ``getattr(HistoryBuffer, 'min')``
references), so resume and ``load_from`` fail with ``Unsupported global``.

The loader registered here for local paths keeps ``weights_only=True`` for every file and
widens the unpickler's allowlist, only for the duration of the call, by exactly the globals that
mmengine's own checkpoints contain. ``getattr`` in particular is allowlisted as a restricted
stand-in that resolves nothing but the statistics methods of ``HistoryBuffer``. No file is ever
unpickled with ``weights_only=False``: a checkpoint from elsewhere that carries other objects is
refused with the list of globals it asks for, and the user may allowlist them with torch's own
``torch.serialization.add_safe_globals`` (this loader honours that list). A file that is no torch
checkpoint at all (empty, truncated, text, random bytes) is refused as "not a checkpoint".

Config text is never executed
-----------------------------
mmengine stores the training config as Python text (``meta['cfg']``; mmcv-era files:
``meta['config']``) and parses it with ``Config.fromstring``, which runs it: ``Runner.resume``
does so for ``meta['config']``. A file that passes the weights-only loader can therefore still
run code. Both texts are dropped from every checkpoint that mmengine's ``CheckpointLoader``
returns, whatever its scheme (local files, URLs), and from what the local loader returns (with a
warning naming the file), so no caller can execute them. ``AtomicCheckpointHook`` saves the
config as data instead, a dict of Python literals in ``meta['hierembed_cfg']``
(:func:`config_to_literals`), which ``hierembed.apis.checkpoint_config`` reads back without
running anything.

Saving
------
mmengine's ``LocalBackend.put`` opens the destination and writes into it, so a process killed
mid-write leaves a truncated ``.pth`` behind. ``AtomicLocalBackend`` (registered as the
``local_atomic`` file backend) writes to a temporary file in the same folder, flushes it to disk
and renames it over the destination with ``os.replace``, which POSIX makes atomic: a reader sees
the old file or the new one, never half of one.
"""
import glob
import inspect
import os
import os.path as osp
import tempfile
import zipfile
from typing import Any, Callable, List, Tuple, Union

import numpy as np
import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner.checkpoint import CheckpointLoader

from hierembed.errors import CheckpointError

__all__ = ['AtomicLocalBackend', 'CONFIG_KEY', 'NotACheckpointError', 'UnsafeCheckpointError',
           'atomic_write_bytes',
           'checkpoint_safe_globals', 'config_to_literals', 'load_from_local_weights_only',
           'remove_stale_temporaries']

# Where the training config is stored, as data, in ``checkpoint['meta']``.
CONFIG_KEY = 'hierembed_cfg'
# Config text that mmengine (``cfg``) and mmcv (``config``) store and would execute.
CONFIG_TEXT_KEYS = ('cfg', 'config')
# Set in ``meta`` by the loader when it dropped config text (``hierembed.apis`` says why).
DROPPED_TEXT_KEY = 'config_text_dropped'
# torch's legacy (pre-zip) format opens with a pickled magic number (protocol 2, 10-byte long).
_LEGACY_MAGIC = b'\x80\x02\x8a\x0a' + (0x1950a86a20f9469cfc6c).to_bytes(10, 'little')

# Prefix of the temporary files that ``atomic_write_bytes`` leaves behind only if it is killed.
_TMP_PREFIX = '.tmp-'


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to what a pickled ``HistoryBuffer`` asks of it.

    ``HistoryBuffer.__getstate__`` stores its statistics methods, which pickle as
    ``getattr(HistoryBuffer, 'min')``. Allowlisting the real ``getattr`` would let a crafted
    file reach any attribute of any allowlisted object; this one answers only that question.
    """
    method = obj.__dict__.get(name) if obj is HistoryBuffer else None
    if name.startswith('_') or not inspect.isfunction(method):
        raise torch.serialization.pickle.UnpicklingError(
            f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer statistics '
            'methods are allowed')
    return method


def checkpoint_safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The globals that an mmengine 0.10.7 checkpoint of this toolkit contains.

    Returns:
        Entries for ``torch.serialization.safe_globals``: classes and functions, or
        ``(object, 'module.name')`` pairs where the pickle names something other than the object.
    """
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    # numpy 1.x pickles ``numpy.core.multiarray``, numpy 2.x ``numpy._core.multiarray``; a
    # checkpoint written under either must load under the other.
    entries: List[Union[Callable, Tuple[Callable, str]]] = [
        HistoryBuffer,
        (_history_buffer_getattr, 'builtins.getattr'),
        np.ndarray,
        np.dtype,
    ]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        entries.append((multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((multiarray.scalar, f'{module}.scalar'))
    # numpy >= 1.25 may pickle a dtype through its class (``numpy.dtypes.Float64DType``).
    for code in '?bBhHiIlLqQefdgFDGSUV':
        entries.append(type(np.dtype(code)))
    return entries


class NotACheckpointError(CheckpointError):
    """A file given as a checkpoint that torch cannot read as one."""


class UnsafeCheckpointError(CheckpointError, torch.serialization.pickle.UnpicklingError):
    """A checkpoint that asks the unpickler for objects outside the allowlist."""


def _refuse_non_checkpoint(filename: str) -> None:
    """Raise ``NotACheckpointError`` unless the file looks like a torch checkpoint."""
    size = osp.getsize(filename)
    if size == 0:
        raise NotACheckpointError(f'{filename} is not a checkpoint: the file is empty (0 bytes)')
    with open(filename, 'rb') as f:
        head = f.read(len(_LEGACY_MAGIC))
    if head != _LEGACY_MAGIC and not zipfile.is_zipfile(filename):
        raise NotACheckpointError(
            f'{filename} is not a checkpoint: it is neither a torch zip archive nor a legacy '
            f'torch file (it starts with {head[:8]!r}, {size} bytes; a truncated copy of a '
            'checkpoint looks like this too)')


def _drop_config_text(checkpoint: Any, filename: str) -> Any:
    """Remove the config texts from ``checkpoint['meta']`` so that nothing can execute them."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    if not isinstance(meta, dict):
        return checkpoint
    dropped = [k for k in CONFIG_TEXT_KEYS if k in meta]
    if dropped:
        for key in dropped:
            del meta[key]
        meta[DROPPED_TEXT_KEY] = dropped
        print_log(f'{filename}: ignored the config text in meta[{", ".join(map(repr, dropped))}]:'
                  ' hierembed never executes config text from a checkpoint (it could run any '
                  'code); the config comes from the command line or from '
                  f'meta[{CONFIG_KEY!r}], stored as data', logger='current', level=30)
    return checkpoint


def config_to_literals(value: Any) -> Any:
    """A config as plain Python literals, for ``meta['hierembed_cfg']``.

    Dicts (``Config``, ``ConfigDict``), lists and tuples are copied with their items converted;
    str, int, float, bool and None are kept; anything else (a class or function given in a
    lazy-import config) becomes ``'<module>.<name>'`` text, which is stored, never resolved.

    Args:
        value: a config or any part of it.

    Returns:
        The same structure made of literals only (what ``ast.literal_eval`` could read).
    """
    if isinstance(value, dict):
        return {config_to_literals(k): config_to_literals(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(config_to_literals(v) for v in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    name = getattr(value, '__qualname__', type(value).__qualname__)
    return f'{getattr(value, "__module__", "")}.{name}'


# mmengine logs a loader by its name after ``load_from_``: "local_weights_only backend".
def load_from_local_weights_only(filename: str, map_location: Any = None) -> Any:
    """Load a local checkpoint with ``weights_only=True`` and the checkpoint allowlist.

    Registered with mmengine's ``CheckpointLoader`` for local paths (the empty prefix), so
    ``Runner.resume``, ``load_from`` and ``mmengine.runner.load_checkpoint`` all come here.

    Args:
        filename: a local path (``~`` is expanded).
        map_location: as for ``torch.load``.

    Returns:
        The unpickled checkpoint, without the config texts of ``meta`` (see the module's
        docstring).

    Raises:
        FileNotFoundError: no such file.
        NotACheckpointError: a folder, or a file that is empty, truncated, damaged or no torch
            file at all.
        UnsafeCheckpointError: (a ``pickle.UnpicklingError``) the file asks for globals
            outside the allowlist; the message names them.
    """
    filename = osp.expanduser(filename)
    if osp.isdir(filename):
        raise NotACheckpointError(f'{filename} is a folder, not a checkpoint: give a .pth file '
                                  'in it')
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    _refuse_non_checkpoint(filename)
    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            checkpoint = torch.load(filename, map_location=map_location, weights_only=True)
    except (EOFError, RuntimeError, UnicodeDecodeError) as err:  # a damaged archive
        raise NotACheckpointError(f'{filename} is not a checkpoint: torch cannot read it '
                                  f'({type(err).__name__}: {err})') from err
    except torch.serialization.pickle.UnpicklingError as err:
        try:
            wanted = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        except Exception:  # a legacy (non-zip) file: torch's own message says enough
            wanted = []
        if not wanted:  # nothing to allowlist: the pickle itself is damaged
            raise NotACheckpointError(f'{filename} is not a checkpoint: torch cannot unpickle '
                                      f'it ({str(err).splitlines()[0][:200]})') from err
        raise UnsafeCheckpointError(
            f'{filename} holds objects that hierembed does not unpickle. It asks for: '
            f'{", ".join(wanted)}. If you trust the file, allowlist them with '
            'torch.serialization.add_safe_globals([...]) before loading.') from err
    return _drop_config_text(checkpoint, filename)


CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_weights_only, force=True)
_scheme_load = CheckpointLoader.load_checkpoint.__func__


def _load_without_config_text(cls, filename, map_location=None, logger='current'):
    """``CheckpointLoader.load_checkpoint`` for every scheme, config text dropped."""
    return _drop_config_text(_scheme_load(cls, filename, map_location, logger), filename)


# Every mmengine read of a checkpoint (Runner.resume, load_from, load_checkpoint) comes here.
CheckpointLoader.load_checkpoint = classmethod(_load_without_config_text)


def atomic_write_bytes(data: bytes, filepath: str) -> None:
    """Write ``data`` to ``filepath`` so that the file is either the old one or all new.

    The temporary file lives in the destination folder because ``os.replace`` is atomic only
    within one file system. The folder is synced after the rename so that the new name also
    survives a power cut, not only a killed process.

    Args:
        data: the bytes to write.
        filepath: the destination; its folder is created if missing.
    """
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=f'{_TMP_PREFIX}{osp.basename(filepath)}.',
                                    dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, filepath)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_stale_temporaries(folder: str) -> List[str]:
    """Delete the temporary files that writers killed mid-write left in ``folder``.

    Args:
        folder: a folder written by ``atomic_write_bytes``.

    Returns:
        The paths removed.
    """
    stale = glob.glob(osp.join(folder, f'{_TMP_PREFIX}*'))
    for path in stale:
        os.remove(path)
    return stale


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put`` and ``put_text``.

    Select it with ``backend_args=dict(backend='local_atomic')`` wherever mmengine takes
    ``backend_args`` (``CheckpointHook``, ``Runner.save_checkpoint``).
    """

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        """Write bytes to ``filepath`` atomically."""
        atomic_write_bytes(obj, str(filepath))

    def put_text(self, obj: str, filepath: Union[str, os.PathLike],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically."""
        atomic_write_bytes(obj.encode(encoding), str(filepath))


register_backend('local_atomic', AtomicLocalBackend, force=True)
