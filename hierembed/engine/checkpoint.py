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
``torch.serialization.add_safe_globals`` (this loader honours that list).

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
from typing import Any, Callable, List, Tuple, Union

import numpy as np
import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

__all__ = ['AtomicLocalBackend', 'atomic_write_bytes', 'checkpoint_safe_globals',
           'load_from_local_weights_only', 'remove_stale_temporaries']

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


# mmengine logs a loader by its name after ``load_from_``: "local_weights_only backend".
def load_from_local_weights_only(filename: str, map_location: Any = None) -> Any:
    """Load a local checkpoint with ``weights_only=True`` and the checkpoint allowlist.

    Registered with mmengine's ``CheckpointLoader`` for local paths (the empty prefix), so
    ``Runner.resume``, ``load_from`` and ``mmengine.runner.load_checkpoint`` all come here.

    Args:
        filename: a local path (``~`` is expanded).
        map_location: as for ``torch.load``.

    Returns:
        The unpickled checkpoint.

    Raises:
        FileNotFoundError: no such file.
        pickle.UnpicklingError: the file asks for globals outside the allowlist; the message
            names them.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except torch.serialization.pickle.UnpicklingError as err:
        try:
            wanted = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        except Exception:  # a legacy (non-zip) file: torch's own message says enough
            wanted = []
        hint = (f' It asks for: {", ".join(wanted)}.' if wanted else '')
        raise torch.serialization.pickle.UnpicklingError(
            f'{filename} holds objects that hierembed does not unpickle.{hint} If you trust '
            'the file, allowlist them with torch.serialization.add_safe_globals([...]) before '
            'loading.') from err


CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_weights_only, force=True)


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
