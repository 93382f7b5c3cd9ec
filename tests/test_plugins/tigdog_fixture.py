"""A tiny TigDog download in the layout plugins/horse/tigdog.py relies on, written with scipy."""
import os
import os.path as osp
from typing import Dict, List, Optional

import cv2
import numpy as np
from scipy.io import savemat

K = 19
W, H = 64, 48


def landmark_cells(kps: np.ndarray) -> np.ndarray:
    """[F, K, 3] -> the `landmarks` cell: one 1x1 struct (coordinates, visibility) per frame."""
    cells = np.empty((len(kps), 1), dtype=object)
    for t, frame in enumerate(kps):
        cells[t, 0] = {'coords': frame[:, :2].astype(np.float64),
                       'visibility': frame[:, 2:3].astype(np.float64)}
    return cells


def write_tigdog(root: str, shots: List[int] = (3, 7, 11, 20, 25), frames_per_shot: int = 6,
                 unlabelled: Optional[List[int]] = (20,), seed: int = 0,
                 k: int = K) -> Dict[int, np.ndarray]:
    """``root/behaviorDiscovery2.0/{horse,ranges/horse,landmarks/horse}``.

    Returns:
        shot -> [F, K, 3] landmarks written (x, y, visibility), for the shots that have them.
    """
    rng = np.random.default_rng(seed)
    base = osp.join(root, 'behaviorDiscovery2.0')
    for sub in ('horse', osp.join('ranges', 'horse'), osp.join('landmarks', 'horse')):
        os.makedirs(osp.join(base, sub), exist_ok=True)
    ranges, written, frame = [], {}, 1
    for shot in shots:
        first = frame
        for _ in range(frames_per_shot):
            img = np.full((H, W, 3), (shot * 9) % 255, np.uint8)
            cv2.putText(img, str(frame), (2, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255))
            cv2.imwrite(osp.join(base, 'horse', f'{frame:08d}.jpg'), img)
            frame += 1
        ranges.append([shot, first, frame - 1])
        if unlabelled and shot in unlabelled:
            continue
        kps = np.zeros((frames_per_shot, k, 3))
        kps[:, :, 0] = rng.uniform(8, W - 8, (frames_per_shot, k))
        kps[:, :, 1] = rng.uniform(6, H - 6, (frames_per_shot, k))
        kps[:, :, 2] = (rng.random((frames_per_shot, k)) < 0.8).astype(float)
        kps[0, :, 2] = 0  # the first frame of every shot is not annotated
        kps[0, :, :2] = 0
        written[shot] = kps
        savemat(osp.join(base, 'landmarks', 'horse', f'{shot}.mat'),
                {'landmarks': landmark_cells(kps)})
    savemat(osp.join(base, 'ranges', 'horse', 'ranges.mat'),
            {'ranges': np.asarray(ranges, np.float64)})
    return written
