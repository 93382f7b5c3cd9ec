"""What every command-line tool shares: one error path and a ``--cfg-options`` that checks itself.

``run_tool(main)`` ends each tool (``if __name__ == '__main__': run_tool(main)``). An expected
error -- the :class:`~hierembed.errors.HierembedError` family and the few foreign errors of
:func:`expected_errors` -- is printed as one line, ``tool: error: <file>: <field>: <what to do>``,
and the tool exits with status 2, as argparse does for a bad command line. ``--debug`` anywhere
on the command line (it is taken out before the tool parses it) or ``HIEREMBED_DEBUG=1`` shows
the traceback instead. Any other exception is a bug and keeps its traceback (status 1).
"""
import os
import os.path as osp
import sys
from typing import Callable, Optional, Sequence, Tuple, Type

from mmengine.config import DictAction

from hierembed.errors import ConfigError, HierembedError

__all__ = ['CfgOptionsAction', 'DEBUG_ENV', 'expected_errors', 'load_config', 'merge_options',
           'one_line', 'run_tool']

DEBUG_ENV = 'HIEREMBED_DEBUG'

# Errors of modules that keep their own class (other packages, or hierembed modules whose class
# predates the family): expected when their module has been imported, else never raised.
_FOREIGN = (('hierembed.apis.inference', 'CheckpointConfigError'),
            ('hierembed.datasets.converters.tracking', 'DetectorUnavailableError'),
            ('tigdog', 'TigDogFormatError'))


def expected_errors() -> Tuple[Type[BaseException], ...]:
    """The exception classes that a tool reports as one line.

    Returns:
        The family, the OS's file errors (they name the file) and the foreign classes of
        modules already imported.
    """
    errors = [HierembedError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
              PermissionError]
    for module, name in _FOREIGN:
        cls = getattr(sys.modules.get(module), name, None)
        if cls is not None:
            errors.append(cls)
    return tuple(errors)


def one_line(err: BaseException) -> str:
    """The message of ``err`` on one line (a multi-line message is joined with ``; ``).

    An error re-raised by a DataLoader worker carries the worker's traceback in its message
    (``Caught X in DataLoader worker process 0. Original Traceback ...``): only the original
    message, its last line, is kept.
    """
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    if any(ln.startswith('Original Traceback') for ln in lines):
        last = lines[-1]
        prefix = f'{type(err).__name__}: '
        lines = [last[len(prefix):] if last.startswith(prefix) else last]
    return '; '.join(lines) or type(err).__name__


def run_tool(main: Callable[[], object], argv: Optional[Sequence[str]] = None) -> None:
    """Run a tool's ``main`` with the toolkit's error path, then exit.

    Args:
        main: the tool's entry point, reading ``sys.argv``; an int it returns is the exit
            status, anything else means 0.
        argv: the arguments (default: ``sys.argv[1:]``); ``--debug`` is removed from them.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = '--debug' in argv or os.environ.get(DEBUG_ENV, '') not in ('', '0')
    sys.argv[1:] = [a for a in argv if a != '--debug']
    prog = osp.basename(sys.argv[0]) or 'hierembed'
    try:
        status = main()
    except expected_errors() as err:
        if debug:
            raise
        print(f'{prog}: error: {one_line(err)} (--debug shows the traceback)', file=sys.stderr)
        sys.exit(2)
    sys.exit(status if isinstance(status, int) and not isinstance(status, bool) else 0)


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` that refuses an item without ``=VALUE`` (argparse's error)."""

    def __call__(self, parser, namespace, values, option_string=None):
        for kv in values:
            if '=' not in kv:
                parser.error(f'{option_string}: {kv!r} has no value: write KEY=VALUE '
                             f'(e.g. {kv}=1)')
        super().__call__(parser, namespace, values, option_string)


def load_config(path: str, options: Optional[dict] = None):
    """``Config.fromfile(path)`` with ``options`` merged, its errors naming the file.

    Args:
        path: the config file.
        options: ``--cfg-options`` (``key=value`` pairs already parsed); see
            :func:`merge_options`.

    Returns:
        The config.

    Raises:
        FileNotFoundError: no such file.
        ConfigError: the file (or one of its ``_base_``) does not parse or fails when run; an
            option cannot be merged.
    """
    from mmengine.config import Config
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such config file')
    try:
        cfg = Config.fromfile(path)
    except HierembedError:
        raise
    except FileNotFoundError as err:  # a _base_ file
        raise ConfigError(f'a file it reads is missing: {err.filename or one_line(err)}; fix '
                          'its _base_', file=path) from err
    except SyntaxError as err:
        where = f'line {err.lineno}' if err.lineno else ''
        if err.filename and not err.filename.startswith('<') and err.filename != path:
            where = f'{err.filename}, {where}'  # one of its _base_ files
        raise ConfigError(f'the config does not parse: {err.msg} ({where}); fix the '
                          'file', file=path) from err
    except Exception as err:  # the config's Python raised while mmengine ran it
        raise ConfigError(f'the config fails when read: {type(err).__name__}: '
                          f'{one_line(err)}; fix the file', file=path) from err
    return merge_options(cfg, options, path)


def merge_options(cfg, options: Optional[dict], path: str):
    """Merge ``--cfg-options`` into ``cfg``; an option that does not fit names itself.

    Returns:
        ``cfg``.

    Raises:
        ConfigError: an option cannot be merged (e.g. an index into something not a list).
    """
    if options:
        try:
            cfg.merge_from_dict(options)
        except Exception as err:
            raise ConfigError(f'cannot apply --cfg-options: {one_line(err)}',
                              file=path) from err
    return cfg
