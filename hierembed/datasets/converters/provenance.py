"""What a converter records beside what it writes, and what it refuses on a rerun.

``annotations/converted_from.json`` holds the converter, the source root (absolute) and the
options of the run that wrote the folder. A later run into the same ``--out`` from another root,
with other options or by another converter is refused: its files would mix with the earlier
ones (VoxCeleb2's shards of two roots merge into one dataset). A run that converts nothing is an
error too, and leaves no record.
"""
import json
import os.path as osp
from typing import Sequence

from hierembed.errors import DataError

__all__ = ['RECORD', 'check_provenance', 'converted_count', 'record_provenance']

RECORD = osp.join('annotations', 'converted_from.json')
# The split names of the converters' summaries (split -> counts).
_SPLITS = ('train', 'val', 'test', 'common', 'challenging')


def _record(tool: str, root: str, options: Sequence) -> dict:
    return dict(tool=tool, source_root=osp.abspath(root),
                options=json.loads(json.dumps(list(options), default=repr)))


def check_provenance(tool: str, root: str, out: str, options: Sequence) -> None:
    """Refuse to convert into ``out`` when an earlier run from elsewhere wrote it.

    Args:
        tool: the converter's file name (``voxceleb2.py``).
        root: the source root of this run.
        out: the data_root written.
        options: the other arguments of the run, in order.

    Raises:
        DataError: naming the record, what differs and what to do.
    """
    path = osp.join(out, RECORD)
    if not osp.isfile(path):
        return
    try:
        with open(path) as f:
            before = json.load(f)
    except (OSError, ValueError) as err:
        raise DataError(f'cannot be read ({err}); delete it if {out} may be overwritten',
                        file=path) from err
    now = _record(tool, root, options)
    diff = [f'{k} {before.get(k)!r}, now {now[k]!r}' for k in now if before.get(k) != now[k]]
    if diff:
        raise DataError(f'{out} holds another conversion ({"; ".join(diff)}): give another '
                        '--out, or delete that folder to convert into it again', file=path)


def record_provenance(tool: str, root: str, out: str, options: Sequence) -> None:
    """Write ``out/annotations/converted_from.json`` for this run (after it succeeded)."""
    from .writer import write_json_atomic
    write_json_atomic(osp.join(out, RECORD), _record(tool, root, options))


def converted_count(summary: dict):
    """Videos and images a converter's summary reports over its splits (None: no split named).
    """
    counts = [v.get('videos', 0) + v.get('images', 0) if isinstance(v, dict) else v
              for k, v in summary.items() if k in _SPLITS]
    counts = [c for c in counts if isinstance(c, int) and not isinstance(c, bool)]
    return sum(counts) if counts else None
