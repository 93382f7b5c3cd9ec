"""Small helpers shared across the package."""
import ast
import difflib
from typing import Iterable, Set

from hierembed.errors import ConfigKeyError


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A ``" Did you mean 'x'?"`` hint for a misspelt ``name``, or ``''`` when nothing is close."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=3)
    return f' Did you mean {", ".join(repr(c) for c in close)}?' if close else ''


def reject_unknown_keys(given: Iterable[str], known: Iterable[str], where: str) -> None:
    """Refuse keys that nothing reads, so a misspelt option never passes silently.

    Args:
        given: the keys a user wrote (a config section, ``--cfg-options``).
        known: every key that the code reads at that place.
        where: what the keys belong to, for the message (``"probe_cfg in probe.py"``).

    Raises:
        ConfigKeyError: (a ``KeyError``) naming every unknown key, each with a did-you-mean,
            and the known keys.
    """
    known = sorted(set(known))
    unknown = [k for k in given if k not in known]
    if unknown:
        parts = [f'{k!r}{did_you_mean(k, known)}' for k in unknown]
        raise ConfigKeyError(f'unknown key(s) in {where}: {"; ".join(parts)} '
                             f'Known keys: {", ".join(known)}.')


def assigned_names(paths: Iterable[str]) -> Set[str]:
    """The top-level names that Python files assign (``name = ...``), parsed, never run.

    Args:
        paths: config files.

    Returns:
        The names, ``_base_`` left out.
    """
    names = set()
    for path in paths:
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign) else [])
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    names.discard('_base_')
    return names


def check_top_level_keys(file_keys: Iterable[str], option_keys: Iterable[str],
                         known: Iterable[str], read_keys: Iterable[str],
                         config_path: str) -> None:
    """Refuse the top-level keys of a config that nothing reads.

    A key given through ``--cfg-options`` must be ``known`` or a key of the file; a key of the
    file that is not known is refused only when it is one letter or two from a key that the
    code reads (a helper variable of the file, ``my_root = ...``, passes).

    Args:
        file_keys: the keys of the config file (before ``--cfg-options``).
        option_keys: the top-level keys given through ``--cfg-options``.
        known: the keys that shipped configs assign and the code reads.
        read_keys: the keys that the code reads.
        config_path: for the messages.

    Raises:
        ConfigKeyError: naming the key, with a did-you-mean.
    """
    file_keys, known, read_keys = set(file_keys), set(known), sorted(set(read_keys))
    reject_unknown_keys(sorted(set(option_keys) - file_keys), known,
                        f'--cfg-options (top-level keys of {config_path})')
    for key in sorted(file_keys - known):
        if difflib.get_close_matches(key, read_keys, n=1, cutoff=0.8):
            reject_unknown_keys([key], read_keys, f'{config_path} (a top-level key)')
