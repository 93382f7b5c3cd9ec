"""Class metainfo: one mmpose-style ``dataset_info`` file per keypoint set, and its parser.

A file ``<name>.py`` here (or any path) holds ``dataset_info = dict(keypoint_info=...,
skeleton_info=..., keypoint_groups=..., norm=...)``. :func:`parse_metainfo` flattens it into the
index-based form the datasets and metrics use.
"""
import os.path as osp
import runpy
from collections import OrderedDict
from typing import Any, Dict, List, Tuple, Union

METAINFO_DIR = osp.dirname(osp.abspath(__file__))


def list_metainfo() -> List[str]:
    """Names of the metainfo files shipped with the toolkit."""
    import glob
    return sorted(osp.splitext(osp.basename(p))[0]
                  for p in glob.glob(osp.join(METAINFO_DIR, '*.py'))
                  if not osp.basename(p).startswith('_'))


def _flip_pairs_from_names(names: List[str]) -> List[Tuple[int, int]]:
    """Pair ``left_X`` with ``right_X`` (and ``X_left`` with ``X_right``) by name."""
    index = {n: i for i, n in enumerate(names)}
    pairs = []
    for i, n in enumerate(names):
        other = None
        if 'left' in n:
            other = n.replace('left', 'right')
        if other in index and index[other] > i:
            pairs.append((i, index[other]))
    return pairs


def parse_metainfo(name_or_path: Union[str, dict]) -> Dict[str, Any]:
    """Load a class's metainfo.

    Args:
        name_or_path: a file name in ``hierembed/datasets/metainfo`` (``'upper_body'``), a path to
            an mmpose-style ``.py`` file, or an already loaded ``dataset_info`` dict.

    Returns:
        dict with ``dataset_name``, ``object_class``, ``keypoint_names`` (list, N),
        ``num_keypoints``, ``skeleton`` (0-based index pairs), ``flip_pairs`` (0-based index pairs),
        ``flip_indices`` (list, N), ``keypoint_groups`` (OrderedDict group -> names) and ``norm``
        (the protocol's normaliser: a dict with ``type`` and its arguments).

    Raises:
        FileNotFoundError: no such file or shipped name (the message lists the shipped names).
        ValueError: the file is malformed (the message names the file and the field).
    """
    if isinstance(name_or_path, dict):
        info, src = name_or_path, '<dict>'
    else:
        path = name_or_path
        if not osp.isfile(path):
            path = osp.join(METAINFO_DIR, f'{name_or_path}.py')
        if not osp.isfile(path):
            raise FileNotFoundError(f'metainfo {name_or_path!r}: no such file, and not one of the '
                                    f'shipped names {list_metainfo()}')
        src = path
        # Plain execution, not mmengine's Config: a metainfo file may import another one.
        info = runpy.run_path(path).get('dataset_info')
        if not isinstance(info, dict):
            raise ValueError(f'{path}: no `dataset_info` dict in the file')
    try:
        kp_info = info['keypoint_info']
    except KeyError:
        raise ValueError(f'{src}: field `keypoint_info` is missing') from None
    ids = sorted(int(k) for k in kp_info)
    if ids != list(range(len(ids))):
        raise ValueError(f'{src}: `keypoint_info` keys must be 0..N-1, got {ids}')
    names = [kp_info[i]['name'] if i in kp_info else kp_info[str(i)]['name'] for i in ids]
    index = {n: i for i, n in enumerate(names)}

    def idx(name, field):
        if name not in index:
            raise ValueError(f'{src}: field `{field}` names unknown keypoint {name!r}; '
                             f'keypoints are {names}')
        return index[name]

    skeleton = []
    for k, link in (info.get('skeleton_info') or {}).items():
        a, b = link['link']
        skeleton.append((idx(a, f'skeleton_info[{k}].link'), idx(b, f'skeleton_info[{k}].link')))
    flip_indices = list(range(len(names)))
    for i in ids:
        entry = kp_info[i] if i in kp_info else kp_info[str(i)]
        swap = entry.get('swap', '')
        if swap:
            flip_indices[i] = idx(swap, f'keypoint_info[{i}].swap')
    flip_pairs = sorted({tuple(sorted((i, j))) for i, j in enumerate(flip_indices) if i != j})
    groups = OrderedDict()
    for g, members in (info.get('keypoint_groups') or {n: [n] for n in names}).items():
        for m in members:
            idx(m, f'keypoint_groups[{g!r}]')
        groups[g] = list(members)
    return dict(
        dataset_name=info.get('dataset_name', osp.splitext(osp.basename(src))[0]),
        object_class=info.get('object_class', info.get('dataset_name', 'unknown')),
        keypoint_names=names,
        num_keypoints=len(names),
        skeleton=skeleton,
        flip_pairs=[list(p) for p in flip_pairs],
        flip_indices=flip_indices,
        keypoint_groups=groups,
        norm=dict(info.get('norm') or dict(type='bbox', factor=0.2)),
        source=src,
    )


def metainfo_from_names(names: List[str], skeleton: List[Tuple[int, int]],
                        object_class: str = 'unknown') -> Dict[str, Any]:
    """Metainfo for a keypoint set with no file: groups are the keypoints, flips by name.

    Args:
        names: the N keypoint names.
        skeleton: 0-based index pairs.
        object_class: recorded as ``object_class``.
    """
    flip_pairs = _flip_pairs_from_names(names)
    flip_indices = list(range(len(names)))
    for i, j in flip_pairs:
        flip_indices[i], flip_indices[j] = j, i
    return dict(dataset_name=object_class, object_class=object_class, keypoint_names=list(names),
                num_keypoints=len(names), skeleton=[tuple(s) for s in skeleton],
                flip_pairs=[list(p) for p in flip_pairs], flip_indices=flip_indices,
                keypoint_groups=OrderedDict((n, [n]) for n in names),
                norm=dict(type='bbox', factor=0.2), source='<category>')


__all__ = ['parse_metainfo', 'metainfo_from_names', 'list_metainfo', 'METAINFO_DIR']
