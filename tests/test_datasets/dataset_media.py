"""Helpers that write real media (mp4 through OpenCV, frames, JSON) for the dataset tests."""
import json
import os
import os.path as osp

import cv2
import numpy as np


def write_mp4(path: str, frames) -> str:
    """Write RGB uint8 frames [T, H, W, 3] as an mp4v file; return the path."""
    frames = np.asarray(frames)
    h, w = frames.shape[1:3]
    os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25, (w, h))
    assert writer.isOpened()
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def counter_frames(num_frames: int, size: int = 64) -> np.ndarray:
    """Uniform frames whose grey level encodes the frame index (6 levels apart, up to 40
    frames), so a decoded frame tells which frame it is despite compression."""
    assert num_frames <= 40
    frames = np.zeros((num_frames, size, size, 3), np.uint8)
    for t in range(num_frames):
        frames[t] = 10 + 6 * t
    return frames


def frame_index(img) -> int:
    """Inverse of :func:`counter_frames` for a crop [3, S, S] or [S, S, 3]."""
    # mp4v through OpenCV and decord comes back about 3 levels darker (measured: 2.7 to 3.7).
    return int(round((float(np.asarray(img, np.float64).mean()) + 3 - 10) / 6))


def write_videos_json(root: str, videos, split: str = 'train', metainfo=None) -> str:
    path = osp.join(root, 'annotations', f'videos_{split}.json')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(metainfo=metainfo or dict(object_class='test'), videos=videos), f)
    return path


def write_coco(root: str, names, instances, split: str = 'train', size=(120, 100),
               category='test_set', skeleton=None, marker=True) -> str:
    """Write a COCO keypoints file and one image per instance (bright squares on keypoints).

    Args:
        instances: list of dict(keypoints=[[x, y, v], ...], bbox=[x, y, w, h], **extra keys).
        size: (W, H) of every image.
    """
    w, h = size
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    images, anns = [], []
    for i, inst in enumerate(instances):
        img = np.full((h, w, 3), 30, np.uint8)
        if marker:
            for x, y, v in inst['keypoints']:
                if v > 0:
                    xi, yi = int(round(x)), int(round(y))
                    img[max(yi - 1, 0):yi + 2, max(xi - 1, 0):xi + 2] = 255
        name = f'images/{i:04d}.png'
        cv2.imwrite(osp.join(root, name), img)
        images.append(dict(id=i + 1, file_name=name, width=w, height=h))
        ann = dict(id=100 + i, image_id=i + 1, category_id=1, iscrowd=0,
                   num_keypoints=sum(1 for k in inst['keypoints'] if k[2] > 0),
                   keypoints=[float(c) for k in inst['keypoints'] for c in k])
        ann.update({k: v for k, v in inst.items() if k != 'keypoints'})
        ann['area'] = float(ann['bbox'][2] * ann['bbox'][3])
        anns.append(ann)
    cat = dict(id=1, name=category, supercategory='x', keypoints=list(names),
               skeleton=skeleton or [])
    path = osp.join(root, 'annotations', f'keypoints_{split}.json')
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns, categories=[cat]), f)
    return path


def random_instances(rng, n_kp, count, size=(120, 100)):
    """Instances with keypoints inside a box inside the image, some occluded."""
    w, h = size
    out = []
    for _ in range(count):
        x0, y0 = rng.uniform(5, 30), rng.uniform(5, 25)
        bw, bh = rng.uniform(40, 80), rng.uniform(40, 65)
        kps = []
        while len(kps) < n_kp:  # at least 9 px apart, so each marker stands alone
            p = [float(np.round(rng.uniform(x0 + 3, x0 + bw - 3))),
                 float(np.round(rng.uniform(y0 + 3, y0 + bh - 3))), int(rng.choice([1, 2]))]
            if all(np.hypot(p[0] - q[0], p[1] - q[1]) >= 9 for q in kps):
                kps.append(p)
        out.append(dict(keypoints=kps, bbox=[x0, y0, bw, bh]))
    return out
