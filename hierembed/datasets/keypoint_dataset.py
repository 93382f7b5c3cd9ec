"""COCO keypoint sets for the downstream probes, read with xtcocotools."""
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.logging import print_log
from torch.utils.data import Dataset

from hierembed.registry import DATASETS
from .metainfo import METAINFO_DIR, metainfo_from_names, parse_metainfo
from .transforms import CropToBox
from .validation import (Issues, box_problem, fatal, finite_numbers, image_size, is_number,
                         load_json, progress)
from .video_io import VideoDecodeError, read_image
from .video_pair_dataset import _build_jitter, _chw

NORM_TYPES = ('bbox', 'torso', 'pixels', 'interocular', 'norm_size')
_DEFAULT_FACTOR = dict(bbox=0.2, torso=0.2, pixels=1.0, interocular=1.0, norm_size=1.0)


@DATASETS.register_module()
class KeypointDataset(Dataset):
    """One sample per annotated instance: its bbox crop, keypoints in crop pixels, visibility,
    and the normaliser of the evaluation protocol.

    Normalisers (``norm_type``), in crop pixels (they scale with the crop):

    - ``'pixels'``: a fixed distance at the original scale (BBC Pose: 6 px). ``norm_kwargs``:
      ``pixels`` (6.0), ``ref_height`` (optional: the pixels are for a frame of that many rows
      and are rescaled to the image's height).
    - ``'torso'``: ``factor`` (0.2) x the distance between two named keypoints (FLIC: left
      shoulder to right hip). ``norm_kwargs``: ``torso`` (names), ``factor``.
    - ``'bbox'``: ``factor`` (0.2) x max(bbox w, h) (Penn Action).
    - ``'interocular'``: the distance between the two named eye keypoints (faces; NME divides
      by it). ``norm_kwargs``: ``eyes`` (names), ``factor`` (1.0).
    - ``'norm_size'``: ``factor`` (1.0) x the annotation's own ``norm_size`` field.
    - ``None``: the protocol in the class's metainfo file (``norm``), else ``'bbox'``.

    Args:
        data_root: folder that holds ``annotations/``; image paths in the file start here.
        split: ``'train'``, ``'val'`` or ``'test'``.
        ann_file: default ``annotations/keypoints_{split}.json`` (relative to ``data_root``).
        input_size: S.
        norm_type: see above.
        norm_kwargs: arguments of the normaliser, see above.
        metainfo: a metainfo name, path or dict (``hierembed/datasets/metainfo``); default: the
            file named like the COCO category, else flip pairs by name and one group per keypoint.
            Keypoint names and skeleton always come from the COCO category.
        crop_margin: side of the square crop over the bbox's longer side.
        procedural: as in :class:`VideoPairDataset`.
        skip_invalid: skip (count and log) bad images and instances instead of raising.
        jitter: optional augmentation after the crop (same forms as VideoPairDataset's);
            keypoints move with the image.
        seed: seed of the jitter.
        holdout: keep one part of a seeded split of the instances, for a set with no val split
            of its own: ``dict(part='train' | 'val', fraction=0.1, group=None, seed=0)``;
            ``group`` names an image field (e.g. ``'identity'``) whose values are held out
            whole, so that no person is in both parts (:func:`holdout_indices`).

    Returns (``__getitem__``):
        dict(img=uint8 [3, S, S], keypoints=float32 [N, 2] (x, y) crop pixels,
        keypoints_visible=float32 [N] (COCO v), norm=float32 scalar, bbox=float32 [4] (x, y, w, h
        in the original image), image_id=int, id=int).
    """

    def __init__(self, data_root: str, split: str = 'train', ann_file: Optional[str] = None,
                 input_size: int = 64, norm_type: Optional[str] = None,
                 norm_kwargs: Optional[Dict] = None, metainfo: Union[str, Dict, None] = None,
                 crop_margin: float = 1.25, procedural: Optional[Dict] = None,
                 skip_invalid: bool = False, jitter: Union[Dict, Sequence, None] = None,
                 seed: int = 0, holdout: Optional[Dict] = None):
        super().__init__()
        self.data_root = data_root
        self.split = split
        if procedural:
            from .procedural import ensure_procedural
            ensure_procedural(data_root, **procedural)
        ann_file = ann_file or osp.join('annotations', f'keypoints_{split}.json')
        self.ann_file = ann_file if osp.isabs(ann_file) else osp.join(data_root, ann_file)
        self.input_size = int(input_size)
        self.crop = CropToBox(self.input_size, crop_margin)
        self.jitter = _build_jitter(jitter)
        self.seed = int(seed)
        self.skip_invalid = skip_invalid
        self._metainfo_arg = metainfo
        self._norm_type, self._norm_kwargs = norm_type, dict(norm_kwargs or {})
        self.num_skipped = 0
        self._load()
        if holdout:
            self._hold_out(**holdout)

    # ----------------------------------------------------------------------------- loading
    def _load(self) -> None:
        from xtcocotools.coco import COCO
        f = self.ann_file
        data = load_json(f)
        if not isinstance(data, dict):
            raise fatal(f, '(top level)', f'expected a JSON object, got {type(data).__name__}')
        for key in ('images', 'annotations', 'categories'):
            if key not in data:
                raise fatal(f, key, 'missing (a COCO keypoints file needs images, annotations '
                            'and categories)')
            if not isinstance(data[key], list):
                raise fatal(f, key, f'expected a list, got {type(data[key]).__name__}')
        cats = [c for c in data['categories'] if isinstance(c, dict) and 'keypoints' in c]
        if len(cats) != 1:
            raise fatal(f, 'categories', f'expected exactly one category with `keypoints`, '
                        f'found {len(cats)}')
        cat = cats[0]
        names = cat['keypoints']
        if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
            raise fatal(f, 'categories[0].keypoints', 'expected a non-empty list of names')
        skeleton = cat.get('skeleton') or []
        n_kp = len(names)
        if not all(isinstance(s, list) and len(s) == 2 and all(
                isinstance(i, int) and 1 <= i <= n_kp for i in s) for s in skeleton):
            raise fatal(f, 'categories[0].skeleton', f'expected 1-based pairs of keypoint '
                        f'indices in 1..{n_kp}')
        self.metainfo = self._resolve_metainfo(cat, data.get('info'), names,
                                               [(a - 1, b - 1) for a, b in skeleton])
        self._resolve_norm()

        issues = Issues(f, self.skip_invalid)
        images, first_of = {}, {}
        for i, im in enumerate(data['images']):
            where = f'images[{i}]'
            if not isinstance(im, dict):
                issues.add(where, 'expected an object')
                continue
            if not isinstance(im.get('id'), int) or isinstance(im.get('id'), bool):
                issues.add(f'{where}.id', f'expected an integer, got {im.get("id")!r}')
                continue
            where = f'images[{i}] (id {im["id"]})'
            if im['id'] in first_of:
                # Either image could be the one its annotations mean: both are left out.
                issues.add(f'{where}.id', f'duplicate image id: images[{first_of[im["id"]]}] has '
                           'it too, so the annotations that name it are ambiguous')
                images.pop(im['id'], None)
                continue
            first_of[im['id']] = i
            if not isinstance(im.get('file_name'), str):
                issues.add(f'{where}.file_name', 'missing or not a string')
                continue
            if not all(is_number(im.get(k)) and im[k] > 0 for k in ('width', 'height')):
                issues.add(f'{where}.width/height', f'expected positive numbers, got '
                           f'{im.get("width")!r} x {im.get("height")!r}')
                continue
            path = im['file_name'] if osp.isabs(im['file_name']) else \
                osp.join(self.data_root, im['file_name'])
            if not osp.isfile(path):
                issues.add(f'{where}.file_name', f'{path}: no such file')
                continue
            try:
                real = image_size(path)
            except OSError as e:
                issues.add(f'{where}.file_name', f'{path}: not a readable image ({e})')
                continue
            if real != (im['width'], im['height']):
                issues.add(f'{where}.width/height', f'declares {im["width"]}x{im["height"]} but '
                           f'{path} is {real[0]}x{real[1]}')
                continue
            images[im['id']] = im
        samples, seen_ids = [], {}
        cat_ids = {c.get('id') for c in data['categories'] if isinstance(c, dict)}
        others = 0
        anns = data['annotations']
        for i, ann in progress(enumerate(anns), len(anns), f'checking {osp.basename(f)}'):
            if isinstance(ann, dict) and ann.get('category_id') != cat['id'] and \
                    ann.get('category_id') in cat_ids:
                others += 1  # another category of the file: not this keypoint set
                continue
            s = self._check_ann(i, ann, images, cat['id'], issues, seen_ids)
            if s is not None:
                samples.append(s)
        self.num_skipped = len(issues.items)
        issues.report('instances', len(samples))
        if others:
            print_log(f'{f}: left out {others} annotations of categories other than '
                      f'{cat.get("name", cat["id"])!r} (the keypoint category)', logger='current')
        if not samples:
            raise fatal(f, 'annotations', 'no usable instance')
        # Index the checked file with xtcocotools: the samples are what COCO reads back.
        coco = COCO()
        coco.dataset = dict(data, images=[images[k] for k in sorted(images)],
                            annotations=[s['ann'] for s in samples], categories=[cat])
        coco.createIndex()
        self.coco = coco
        self.samples = []
        for ann_id in sorted(coco.getAnnIds(catIds=[cat['id']])):
            ann = coco.loadAnns([ann_id])[0]
            img = coco.loadImgs([ann['image_id']])[0]
            kps = np.asarray(ann['keypoints'], np.float64).reshape(-1, 3)
            self.samples.append(dict(
                id=int(ann['id']), image_id=int(img['id']),
                path=img['file_name'] if osp.isabs(img['file_name'])
                else osp.join(self.data_root, img['file_name']),
                bbox=np.asarray(ann['bbox'], np.float64), keypoints=kps[:, :2],
                visible=kps[:, 2], norm=self._norm_of(ann, img, kps)))

    def _hold_out(self, part: str, fraction: float = 0.1, group: Optional[str] = None,
                  seed: int = 0) -> None:
        if part not in ('train', 'val'):
            raise fatal(self.ann_file, 'holdout.part', f"expected 'train' or 'val', got {part!r}")
        if group is None:
            groups = [s['id'] for s in self.samples]
        else:
            images = self.coco.imgs
            missing = sorted({s['image_id'] for s in self.samples
                              if images[s['image_id']].get(group) is None})
            if missing:
                raise fatal(self.ann_file, f'images[id {missing[0]}].{group}',
                            f'missing in {len(missing)} images: holdout.group needs it in every '
                            'image (or set holdout.group / probe_cfg.val_group to None)')
            groups = [str(images[s['image_id']][group]) for s in self.samples]
        try:
            train, val = holdout_indices(groups, fraction, seed)
        except ValueError as e:
            raise fatal(self.ann_file, 'holdout', str(e)) from None
        self.samples = [self.samples[i] for i in (train if part == 'train' else val)]

    def _resolve_metainfo(self, cat: Dict, info, names: List[str], skeleton) -> Dict:
        source = self._metainfo_arg
        if source is None:
            for cand in (cat.get('name'), (info or {}).get('object_class')
                         if isinstance(info, dict) else None):
                if isinstance(cand, str) and osp.isfile(osp.join(METAINFO_DIR, f'{cand}.py')):
                    source = cand
                    break
        if source is None:
            meta = metainfo_from_names(names, skeleton, cat.get('name', 'unknown'))
        else:
            meta = parse_metainfo(source)
            if meta['keypoint_names'] != list(names):
                raise fatal(self.ann_file, 'categories[0].keypoints',
                            f'{names} do not match the metainfo {meta["source"]} '
                            f'{meta["keypoint_names"]}')
        meta = dict(meta, skeleton=[tuple(s) for s in skeleton], keypoint_names=list(names),
                    num_keypoints=len(names))
        if isinstance(info, dict) and isinstance(info.get('object_class'), str):
            meta['object_class'] = info['object_class']
        return meta

    def _resolve_norm(self) -> None:
        meta_norm = dict(self.metainfo.get('norm') or {})
        norm_type = self._norm_type or meta_norm.pop('type', 'bbox')
        if norm_type not in NORM_TYPES:
            raise ValueError(f'norm_type {norm_type!r}: choose from {NORM_TYPES}')
        kwargs = dict(factor=_DEFAULT_FACTOR[norm_type], pixels=6.0, ref_height=None,
                      torso=('left_shoulder', 'right_hip'), eyes=('left_eye', 'right_eye'))
        if self._norm_type is None or meta_norm.get('type', norm_type) == norm_type:
            kwargs.update({k: v for k, v in meta_norm.items() if k != 'type'})
        kwargs.update(self._norm_kwargs)
        names = self.metainfo['keypoint_names']
        for key in {'torso': ['torso'], 'interocular': ['eyes']}.get(norm_type, []):
            missing = [n for n in kwargs[key] if n not in names]
            if missing or len(kwargs[key]) != 2:
                raise ValueError(f'{self.ann_file}: norm_type {norm_type!r} needs two keypoints '
                                 f'`{key}` among {names}; got {kwargs[key]}')
        self.norm_type, self.norm_kwargs = norm_type, kwargs

    def _check_ann(self, i: int, ann, images: Dict, cat_id, issues: Issues,
                   seen_ids: Dict[int, int]) -> Optional[Dict]:
        where = f'annotations[{i}]'
        if not isinstance(ann, dict):
            issues.add(where, 'expected an object')
            return None
        where = f'annotations[{i}] (id {ann.get("id")!r})'
        if ann.get('category_id') != cat_id:
            issues.add(f'{where}.category_id', f'{ann.get("category_id")!r} is the id of no '
                       f'category in the file (the keypoint category is {cat_id!r})')
            return None
        if not isinstance(ann.get('id'), int) or isinstance(ann['id'], bool):
            issues.add(f'{where}.id', 'missing or not an integer')
            return None
        if ann['id'] in seen_ids:
            issues.add(f'{where}.id', f'duplicate annotation id: annotations[{seen_ids[ann["id"]]}]'
                       ' has it too (COCO indexes instances by id: one would hide the other)')
            return None
        seen_ids[ann['id']] = i
        im = images.get(ann.get('image_id'))
        if im is None:
            issues.add(f'{where}.image_id', f'{ann.get("image_id")!r} is not a usable image')
            return None
        w_img, h_img = im['width'], im['height']
        bbox = ann.get('bbox')
        if not finite_numbers(bbox, 4):
            issues.add(f'{where}.bbox', f'expected 4 finite numbers [x, y, w, h], got {bbox!r}')
            return None
        problem = box_problem(bbox, w_img, h_img, 'image')
        if problem:
            issues.add(f'{where}.bbox', problem)
            return None
        n = self.metainfo['num_keypoints']
        kps = ann.get('keypoints')
        if not finite_numbers(kps, 3 * n):
            issues.add(f'{where}.keypoints', f'expected {3 * n} finite numbers (x, y, v for '
                       f'{n} keypoints), got {_preview(kps)}')
            return None
        kps = np.asarray(kps, np.float64).reshape(n, 3)
        if not np.isin(kps[:, 2], (0, 1, 2)).all():
            issues.add(f'{where}.keypoints', f'visibility must be 0, 1 or 2, got '
                       f'{sorted(set(kps[:, 2].tolist()))}')
            return None
        lab = kps[:, 2] > 0
        # Pixel centres lie in [0, W-1]; half a pixel either side is still on the image.
        out = lab & ((kps[:, 0] < -0.5) | (kps[:, 0] > w_img - 0.5) | (kps[:, 1] < -0.5)
                     | (kps[:, 1] > h_img - 0.5))
        if out.any():
            bad = [self.metainfo['keypoint_names'][k] for k in np.nonzero(out)[0]]
            issues.add(f'{where}.keypoints', f'labelled keypoints {bad} lie outside the '
                       f'{w_img}x{h_img} image (mark them v=0)')
            return None
        try:
            norm = self._norm_of(ann, im, kps)
        except ValueError as e:
            issues.add(f'{where}', str(e))
            return None
        if not (math.isfinite(norm) and norm > 0):
            issues.add(where, f'the {self.norm_type!r} normaliser is {norm}, not positive')
            return None
        return dict(ann=ann)

    def _norm_of(self, ann: Dict, im: Dict, kps: np.ndarray) -> float:
        """The protocol's normaliser at the original image scale."""
        kw, t = self.norm_kwargs, self.norm_type
        names = self.metainfo['keypoint_names']
        if t == 'pixels':
            base = float(kw['pixels'])
            if kw.get('ref_height'):
                base *= float(im['height']) / float(kw['ref_height'])
        elif t == 'bbox':
            base = max(float(ann['bbox'][2]), float(ann['bbox'][3]))
        elif t == 'norm_size':
            if not (is_number(ann.get('norm_size')) and math.isfinite(ann['norm_size'])):
                raise ValueError(f'norm_type \'norm_size\' needs a finite `norm_size`, got '
                                 f'{ann.get("norm_size")!r}')
            base = float(ann['norm_size'])
        else:
            a, b = (names.index(n) for n in kw['torso' if t == 'torso' else 'eyes'])
            if kps[a, 2] <= 0 or kps[b, 2] <= 0:
                raise ValueError(f'norm_type {t!r} needs {names[a]} and {names[b]} labelled '
                                 f'(v > 0)')
            base = float(np.hypot(*(kps[a, :2] - kps[b, :2])))
        return base * float(kw['factor'])

    # ----------------------------------------------------------------------------- samples
    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Dict:
        s = self.samples[int(index)]
        try:
            img = read_image(s['path'])
        except VideoDecodeError as e:
            raise VideoDecodeError(f'{self.ann_file}: image {s["image_id"]}: {e}') from None
        res = self.crop(dict(img=cv2.cvtColor(img, cv2.COLOR_BGR2RGB), bbox=s['bbox'],
                             keypoints=s['keypoints']))
        norm = s['norm'] * res['scale']
        if self.jitter:
            res['rng'] = np.random.default_rng([self.seed, int(index)])
            for t in self.jitter:
                res = t(res)
        return dict(img=_chw(res['img']),
                    keypoints=torch.as_tensor(res['keypoints'], dtype=torch.float32),
                    keypoints_visible=torch.as_tensor(s['visible'], dtype=torch.float32),
                    norm=torch.tensor(norm, dtype=torch.float32),
                    bbox=torch.as_tensor(s['bbox'], dtype=torch.float32),
                    image_id=s['image_id'], id=s['id'])


def _preview(v) -> str:
    text = repr(v)
    return text if len(text) < 80 else text[:77] + '...'


def holdout_indices(groups: Sequence, fraction: float, seed: int = 0):
    """Split instances in two by whole groups: the held-out part takes groups, in a seeded
    order of the sorted unique values, until it holds ``round(fraction * N)`` instances or more.

    Args:
        groups: [N] a hashable group per instance (a person; each instance's own id for a split
            by instance).
        fraction: the share of instances to hold out, in (0, 1).
        seed: of the order of the groups.

    Returns:
        (kept [N - M], held_out [M]) sorted instance indices; each part holds at least one group.

    Raises:
        ValueError: fewer than two groups, or ``fraction`` outside (0, 1).
    """
    if not 0 < fraction < 1:
        raise ValueError(f'holdout fraction must be in (0, 1), got {fraction!r}')
    keys = sorted(set(groups))
    if len(keys) < 2:
        raise ValueError(f'holdout needs two groups or more to split by, got {len(keys)}')
    order = np.random.default_rng(seed).permutation(len(keys))
    index = {k: i for i, k in enumerate(keys)}
    sizes = np.bincount([index[g] for g in groups], minlength=len(keys))
    want, taken, held = max(1, int(round(fraction * len(groups)))), 0, set()
    for i in order[:-1]:  # the last group always stays
        if taken >= want:
            break
        held.add(keys[i])
        taken += sizes[i]
    mask = np.array([g in held for g in groups])
    return np.flatnonzero(~mask), np.flatnonzero(mask)
