"""Small helpers shared across the package."""
import difflib
from typing import Iterable

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
        ConfigKeyError: (a ``KeyError``) naming every unknown key, each with a did-you-mean, and the known keys.
    """
    known = sorted(set(known))
    unknown = [k for k in given if k not in known]
    if unknown:
        parts = [f'{k!r}{did_you_mean(k, known)}' for k in unknown]
        raise ConfigKeyError(f'unknown key(s) in {where}: {"; ".join(parts)} '
                       f'Known keys: {", ".join(known)}.')
