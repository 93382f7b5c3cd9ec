"""The errors that a user can fix: one family, read by the command-line tools as one line.

Every tool runs its ``main`` through :func:`hierembed.utils.cli.run_tool`, which prints an error
of this family (and the few foreign ones listed there) as ``tool: error: <message>`` and exits
with status 2; ``--debug`` or ``HIEREMBED_DEBUG=1`` shows the traceback instead. Anything else is
a bug and keeps its traceback.

A message reads ``<file>: <field>: <what is wrong and what to do>``; :class:`HierembedError`
builds it from those three parts, so that a raise site states each one.
"""
from typing import Optional

__all__ = ['CheckpointError', 'ConfigError', 'ConfigKeyError', 'DataError', 'HierembedError',
           'NonFiniteLossError', 'WorkDirBusyError']


class HierembedError(Exception):
    """An expected error, caused by the input and fixable by the user.

    Args:
        message: what is wrong and what to do.
        file: the file (or folder) at fault, named first.
        field: the key, JSON path or option at fault, named second.
    """

    def __init__(self, message: str, file: Optional[str] = None, field: Optional[str] = None):
        self.file, self.field, self.message = file, field, message
        super().__init__(': '.join(str(p) for p in (file, field, message) if p))

    def __str__(self) -> str:  # KeyError's repr-quoting is not wanted in a sub-class
        return str(self.args[0]) if self.args else ''


class ConfigError(HierembedError, ValueError):
    """A config value of the wrong type or out of range, or a config file that cannot be read."""


class ConfigKeyError(HierembedError, KeyError):
    """A key that nothing reads (a misspelling): the message has a did-you-mean."""


class CheckpointError(HierembedError, ValueError):
    """A checkpoint that cannot be used: unreadable, mismatched with the model, non-finite."""


class DataError(HierembedError, ValueError):
    """A dataset, an annotation or a media file that cannot be used."""


class WorkDirBusyError(HierembedError, RuntimeError):
    """Another living process trains in the same work dir."""


class NonFiniteLossError(HierembedError, FloatingPointError):
    """Training produced a NaN or infinite loss term."""
