"""Drawing primitives shared by the procedural classes: parts, backgrounds, smooth motion.

A figure is a list of :class:`Part` s, each a few OpenCV primitives in one or two colours, drawn
far to near (painter's order). Every part is drawn twice: in colour into the frame and with its id
into a label map, so that which part covers a pixel -- hence whether a keypoint is visible or
covered by another part -- is read off the label map instead of being guessed.

Coordinates are floats in pixels with pixel centres at integers (OpenCV's convention, the one the
datasets' crops use too); they are drawn with 4 fractional bits so motion is sub-pixel smooth.
"""
from dataclasses import dataclass, field
from typing import List, Sequence, Tuple

import cv2
import numpy as np

_SHIFT = 4
_ONE = 1 << _SHIFT


def _fx(p) -> Tuple[int, int]:
    return int(round(p[0] * _ONE)), int(round(p[1] * _ONE))


@dataclass
class Part:
    """One rigid piece of a figure.

    Attributes:
        pid: id written into the label map (1..255; 0 is the background).
        depth: larger is nearer the camera; parts are drawn in increasing depth.
        ops: primitives, each ``(kind, colour, *args)``: ``('line', c, p, q, width)``,
            ``('poly', c, points[K, 2])``, ``('ellipse', c, centre, (ax, ay), angle_deg)``,
            ``('circle', c, centre, radius)``.
    """
    pid: int
    depth: float
    ops: list = field(default_factory=list)

    def line(self, colour, p, q, width: float) -> 'Part':
        self.ops.append(('line', colour, p, q, width))
        return self

    def poly(self, colour, points) -> 'Part':
        self.ops.append(('poly', colour, np.asarray(points, np.float64)))
        return self

    def ellipse(self, colour, centre, axes, angle: float) -> 'Part':
        self.ops.append(('ellipse', colour, centre, axes, angle))
        return self

    def circle(self, colour, centre, radius: float) -> 'Part':
        self.ops.append(('circle', colour, centre, radius))
        return self

    def banded_line(self, colours: Sequence, p, q, width: float, bands: int) -> 'Part':
        """A limb in ``bands`` alternating colour bands along its length (a texture that moves
        with the limb, unlike a pattern fixed to the screen)."""
        p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
        self.line(colours[0], p, q, width)
        if bands > 1 and len(colours) > 1:
            for b in range(1, bands, 2):
                a0, a1 = b / bands, (b + 1) / bands
                self.line(colours[1], p + (q - p) * a0, p + (q - p) * a1, width)
        return self


def _draw(img: np.ndarray, op, colour) -> None:
    kind = op[0]
    if kind == 'line':
        _, _, p, q, w = op
        cv2.line(img, _fx(p), _fx(q), colour, max(1, int(round(w))), cv2.LINE_8, _SHIFT)
    elif kind == 'poly':
        pts = np.round(op[2] * _ONE).astype(np.int32)[None]
        cv2.fillPoly(img, pts, colour, cv2.LINE_8, _SHIFT)
    elif kind == 'ellipse':
        _, _, c, (ax, ay), ang = op
        axes = (max(1, int(round(ax * _ONE))), max(1, int(round(ay * _ONE))))
        cv2.ellipse(img, _fx(c), axes, float(ang), 0, 360, colour, -1, cv2.LINE_8, _SHIFT)
    elif kind == 'circle':
        _, _, c, r = op
        cv2.circle(img, _fx(c), max(1, int(round(r * _ONE))), colour, -1, cv2.LINE_8, _SHIFT)
    else:
        raise ValueError(f'unknown primitive {kind!r}')


def draw_parts(img: np.ndarray, labels: np.ndarray, parts: List[Part]) -> None:
    """Draw ``parts`` far to near into ``img`` [H, W, 3] uint8 RGB and ``labels`` [H, W] uint8."""
    for part in sorted(parts, key=lambda p: p.depth):
        for op in part.ops:
            _draw(img, op, tuple(int(v) for v in op[1]))
            _draw(labels, op, int(part.pid))


def visibility(labels: np.ndarray, points: np.ndarray, owners: Sequence[Sequence[int]],
               facing: np.ndarray = None) -> np.ndarray:
    """COCO visibility of keypoints from the label map.

    Args:
        labels: [H, W] part ids.
        points: [N, 2] (x, y) pixels.
        owners: per keypoint, the ids of the parts it belongs to.
        facing: optional [N] bool, False where a surface point faces away from the camera.

    Returns:
        [N] int: 0 outside the frame, 1 covered by another part (or facing away), 2 visible.
    """
    h, w = labels.shape
    vis = np.zeros(len(points), np.int64)
    for k, (x, y) in enumerate(points):
        ix, iy = int(round(x)), int(round(y))
        if not (0 <= ix < w and 0 <= iy < h):
            continue
        seen = labels[iy, ix] in owners[k] and (facing is None or bool(facing[k]))
        vis[k] = 2 if seen else 1
    return vis


def smooth_noise(rng: np.random.Generator, num_frames: int, count: int = 1,
                 freq: Tuple[float, float] = (0.01, 0.06), terms: int = 3) -> np.ndarray:
    """Smooth random signals in [-1, 1]: a sum of sinusoids of random frequency and phase.

    Args:
        num_frames: T.
        count: C independent signals.
        freq: range of frequencies in cycles per frame.

    Returns:
        [T, C] float64.
    """
    t = np.arange(num_frames, dtype=np.float64)[:, None, None]
    f = rng.uniform(*freq, size=(1, count, terms))
    ph = rng.uniform(0, 2 * np.pi, size=(1, count, terms))
    amp = rng.uniform(0.5, 1.0, size=(1, count, terms))
    s = (amp * np.sin(2 * np.pi * f * t + ph)).sum(-1) / amp.sum(-1)
    return s


def background(rng: np.random.Generator, size: int, pad: int) -> np.ndarray:
    """A textured scene larger than the frame by ``pad`` on every side, for panning.

    A low-frequency colour field, a few flat shapes (furniture, windows), and fine grain.

    Returns:
        [size + 2 pad, size + 2 pad, 3] uint8 RGB.
    """
    n = size + 2 * pad
    base = rng.uniform(30, 220, size=(3, 3, 3)).astype(np.float32)
    img = cv2.resize(base, (n, n), interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(4, 12))):
        colour = tuple(float(v) for v in rng.uniform(0, 255, 3))
        kind = rng.integers(3)
        c = rng.uniform(0, n, 2)
        r = rng.uniform(0.05, 0.3) * n
        if kind == 0:
            cv2.rectangle(img, (int(c[0] - r), int(c[1] - r * rng.uniform(0.3, 1))),
                          (int(c[0] + r), int(c[1] + r)), colour, -1)
        elif kind == 1:
            cv2.circle(img, (int(c[0]), int(c[1])), int(r / 2), colour, -1)
        else:
            q = rng.uniform(0, n, 2)
            cv2.line(img, (int(c[0]), int(c[1])), (int(q[0]), int(q[1])), colour,
                     max(1, int(r / 8)))
    grain = rng.normal(0, rng.uniform(2, 10), size=(n, n, 1)).astype(np.float32)
    return np.clip(img + grain, 0, 255).astype(np.uint8)


def random_colour(rng: np.random.Generator, lo: int = 20, hi: int = 235) -> Tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, 3))


def distinct_colour(rng: np.random.Generator, avoid: Sequence, min_dist: float = 60.0):
    """A random colour at least ``min_dist`` (RGB L2) from every colour in ``avoid``."""
    best, best_d = None, -1.0
    for _ in range(20):
        c = random_colour(rng)
        d = min([np.linalg.norm(np.subtract(c, a)) for a in avoid] or [1e9])
        if d >= min_dist:
            return c
        if d > best_d:
            best, best_d = c, d
    return best
