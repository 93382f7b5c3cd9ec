"""An exclusive lock on a file, for work that several processes (ranks, workers) may start."""
import fcntl
import time
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def exclusive_lock(path: str, timeout: float, waiting_for: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the ``with`` block.

    Args:
        path: the lock file.
        timeout: seconds to wait for another holder before giving up.
        waiting_for: what the other holder does, for the error message (e.g. "convert
            TigDog").

    Raises:
        TimeoutError: the lock was not free within ``timeout`` seconds.
    """
    start = time.time()
    with open(path, 'a+') as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.time() - start > timeout:
                    raise TimeoutError(f'{path}: waited {timeout:.0f} s for another process '
                                       f'to {waiting_for}') from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
