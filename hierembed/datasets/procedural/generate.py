"""Write a procedural class to disk in the toolkit's two formats (docs/data.md).

Layout under ``out_dir``::

    videos/<video_id>.mp4                      every clip (mp4v, 25 fps)
    frames/<video_id>/<frame:06d>.jpg          the frames that the keypoint sets reference
    annotations/videos_{train,val,test}.json   tracks with one box per frame
    annotations/keypoints_{train,val,test}.json  COCO keypoints, every ``keypoint_stride`` frames

Splits are by identity (80/10/10): no person, face or horse appears in two splits.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional

import cv2
import numpy as np

from ..metainfo import parse_metainfo
from .classes import CLASSES
from .render import background, draw_parts, visibility

FPS = 25


def _scale_parts(parts, size: float, offset: np.ndarray):
    """Frame-normalised parts -> pixel parts (positions scaled and shifted, widths scaled)."""
    def p(v):
        return np.asarray(v, np.float64)[..., :2] * size + offset

    for part in parts:
        new = []
        for op in part.ops:
            if op[0] == 'line':
                new.append(('line', op[1], p(op[2]), p(op[3]), op[4] * size))
            elif op[0] == 'poly':
                new.append(('poly', op[1], p(op[2])))
            elif op[0] == 'ellipse':
                new.append(('ellipse', op[1], p(op[2]), (op[3][0] * size, op[3][1] * size),
                            op[4]))
            else:
                new.append(('circle', op[1], p(op[2]), op[3] * size))
        part.ops = new
    return parts


class VideoSpec:
    """Everything random about one video, drawn from its own seed."""

    def __init__(self, object_class: str, identity_seed, video_seed, num_frames: int, size: int):
        cls = CLASSES[object_class]()
        self.cls = cls
        self.size = size
        self.num_frames = num_frames
        self.ident = cls.identity(np.random.default_rng(identity_seed))
        rng = np.random.default_rng(video_seed)
        self.motion = cls.motion(rng, num_frames, self.ident)
        self.pad = max(4, size // 8)
        self.background = background(rng, size, self.pad)
        # The scene pans slowly (static in a third of the clips); the camera shakes a little.
        drift = rng.uniform(-1, 1, 2) * (0.0 if rng.random() < 1 / 3 else rng.uniform(0, 0.4))
        shake = np.cumsum(rng.normal(0, 0.25, (num_frames, 2)), 0)
        shake = np.clip(shake - shake.mean(0), -1, 1) * size * rng.uniform(0.0, 0.015)
        t = np.arange(num_frames)[:, None]
        self.pan = np.clip(drift * t, -self.pad + 2, self.pad - 2)
        self.shake = shake


def render_frame(spec: VideoSpec, t: int):
    """Render frame ``t`` of a video.

    Returns:
        dict(image=[S, S, 3] uint8 RGB, labels=[S, S] uint8 part ids, keypoints=[N, 2] float64
        pixels, visible=[N] int COCO visibility, owners=list, box=[4] x, y, w, h or None,
        colours=dict part id -> set of RGB tuples drawn for that part).
    """
    s, pad = spec.size, spec.pad
    cam = spec.shake[t]
    ox = int(round(pad + spec.pan[t, 0] + cam[0]))
    oy = int(round(pad + spec.pan[t, 1] + cam[1]))
    ox, oy = min(max(ox, 0), 2 * pad), min(max(oy, 0), 2 * pad)
    img = np.ascontiguousarray(spec.background[oy:oy + s, ox:ox + s])
    labels = np.zeros((s, s), np.uint8)
    parts, kps, owners, facing = spec.cls.pose(spec.ident, spec.motion, t)
    # The camera shake moves the figure with the scene (the pan is the scene's own motion).
    parts = _scale_parts(parts, s, -cam)
    kps = np.asarray(kps, np.float64) * s - cam
    draw_parts(img, labels, parts)
    vis = visibility(labels, kps, owners, facing)
    if spec.cls.box_parts is None:
        mask = labels > 0
    else:
        mask = np.isin(labels, spec.cls.box_parts)
    ys, xs = np.nonzero(mask)
    box = None
    if len(xs):
        box = [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1),
               float(ys.max() - ys.min() + 1)]
    colours = {}
    for part in parts:
        colours.setdefault(part.pid, set()).update(tuple(int(v) for v in op[1])
                                                   for op in part.ops)
    return dict(image=img, labels=labels, keypoints=kps, visible=vis, owners=owners, box=box,
                colours=colours)


def _split_identities(num_identities: int, rng: np.random.Generator) -> Dict[str, List[int]]:
    if num_identities < 3:
        raise ValueError(f'a procedural class needs at least 3 identities (videos) to split by '
                         f'identity into train/val/test; got {num_identities}')
    order = rng.permutation(num_identities).tolist()
    n_test = max(1, int(round(0.1 * num_identities)))
    n_val = max(1, int(round(0.1 * num_identities)))
    return dict(test=sorted(order[:n_test]), val=sorted(order[n_test:n_test + n_val]),
                train=sorted(order[n_test + n_val:]))


def _r(v: float) -> float:
    return float(round(float(v), 2))


def generate(object_class: str, out_dir: str, num_videos: int = 100, num_frames: int = 100,
             size: int = 128, seed: int = 0, keypoint_stride: int = 5,
             clips_per_identity: Optional[int] = None, write_videos: bool = True) -> Dict:
    """Render a procedural class and write its videos, frames and annotations.

    Args:
        object_class: ``'upper_body'``, ``'face'``, ``'full_body'`` or ``'quadruped'``.
        out_dir: the ``data_root`` to write.
        num_videos: number of clips (at least 3).
        num_frames: frames per clip.
        size: frame side S (frames are S x S).
        seed: everything random derives from it; the same seed gives the same annotation bytes.
        keypoint_stride: every this many frames of a clip becomes a COCO image.
        clips_per_identity: clips of each identity (default: 2 from 20 videos up, else 1).

    Returns:
        dict: split -> dict(videos=count, images=count).
    """
    if object_class not in CLASSES:
        raise KeyError(f'unknown procedural class {object_class!r}; choose from {list(CLASSES)}')
    if num_frames < 2:
        raise ValueError(f'num_frames must be at least 2 (a pair needs two frames), got '
                         f'{num_frames}')
    meta = parse_metainfo(object_class)
    if clips_per_identity is None:
        clips_per_identity = 2 if num_videos >= 20 else 1
    num_ids = int(np.ceil(num_videos / clips_per_identity))
    root_ss = np.random.SeedSequence([seed, sorted(CLASSES).index(object_class)])
    id_seeds = root_ss.spawn(num_ids)
    vid_seeds = root_ss.spawn(num_videos)
    splits = _split_identities(num_ids, np.random.default_rng(root_ss.spawn(1)[0]))
    split_of = {i: sp for sp, ids in splits.items() for i in ids}

    os.makedirs(osp.join(out_dir, 'videos'), exist_ok=True)
    videos = {sp: [] for sp in ('train', 'val', 'test')}
    coco = {sp: dict(images=[], annotations=[]) for sp in ('train', 'val', 'test')}
    image_id = {sp: 0 for sp in coco}
    for v in range(num_videos):
        ident = v // clips_per_identity
        sp = split_of[ident]
        vid = f'{object_class}_id{ident:03d}_clip{v % clips_per_identity:02d}'
        spec = VideoSpec(object_class, id_seeds[ident], vid_seeds[v], num_frames, size)
        rel_video = f'videos/{vid}.mp4'
        writer = None
        if write_videos:
            writer = cv2.VideoWriter(osp.join(out_dir, rel_video),
                                     cv2.VideoWriter_fourcc(*'mp4v'), FPS, (size, size))
            if not writer.isOpened():
                raise RuntimeError(f'OpenCV cannot write mp4v video {rel_video}')
        os.makedirs(osp.join(out_dir, 'frames', vid), exist_ok=True)
        boxes = {}
        for t in range(num_frames):
            fr = render_frame(spec, t)
            bgr = cv2.cvtColor(fr['image'], cv2.COLOR_RGB2BGR)
            if writer is not None:
                writer.write(bgr)
            box = fr['box'] or [0.0, 0.0, float(size), float(size)]
            boxes[str(t)] = [_r(b) for b in box]
            if t % keypoint_stride:
                continue
            rel_img = f'frames/{vid}/{t:06d}.jpg'
            cv2.imwrite(osp.join(out_dir, rel_img), bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
            image_id[sp] += 1
            kps, vis = fr['keypoints'], fr['visible']
            flat = []
            for (x, y), vv in zip(kps, vis):
                flat += [_r(x), _r(y), int(vv)]
            coco[sp]['images'].append(dict(id=image_id[sp], file_name=rel_img, width=size,
                                           height=size, video_id=vid, frame=t))
            coco[sp]['annotations'].append(dict(
                id=image_id[sp], image_id=image_id[sp], category_id=1, bbox=boxes[str(t)],
                area=_r(box[2] * box[3]), iscrowd=0, keypoints=flat,
                num_keypoints=int((vis > 0).sum())))
        if writer is not None:
            writer.release()
        videos[sp].append(dict(id=vid, path=rel_video, num_frames=num_frames,
                               identity=f'{object_class}_id{ident:03d}',
                               tracks=[dict(id=0, boxes=boxes)]))

    # Annotations go to a temporary folder first and appear at once: a reader that sees
    # `annotations/` can trust it is complete (see ensure_procedural).
    tmp = osp.join(out_dir, f'annotations.tmp{os.getpid()}')
    os.makedirs(tmp, exist_ok=True)
    category = dict(id=1, name=object_class, supercategory=meta['object_class'],
                    keypoints=meta['keypoint_names'],
                    skeleton=[[a + 1, b + 1] for a, b in meta['skeleton']])
    info = dict(object_class=object_class, source='procedural', version=1, seed=seed,
                size=size, num_videos=num_videos, num_frames=num_frames)
    summary = {}
    for sp in ('train', 'val', 'test'):
        with open(osp.join(tmp, f'videos_{sp}.json'), 'w') as f:
            json.dump(dict(metainfo=info, videos=videos[sp]), f, separators=(',', ':'))
        with open(osp.join(tmp, f'keypoints_{sp}.json'), 'w') as f:
            json.dump(dict(info=info, images=coco[sp]['images'],
                           annotations=coco[sp]['annotations'], categories=[category]), f,
                      separators=(',', ':'))
        summary[sp] = dict(videos=len(videos[sp]), images=len(coco[sp]['images']))
    final = osp.join(out_dir, 'annotations')
    if osp.isdir(final):
        shutil.rmtree(final)
    os.replace(tmp, final)
    return summary
