"""A picture of what the warp does: per sample, source, target, each level's output.

``draw_warp_grid`` turns the output of ``ClassEmbedder.warp`` into one RGB image, which
``WarpVisualizationHook`` sends to the runner's visualiser (a ``WarpVisualizer`` in the
default runtime) and so to its backends (local files, TensorBoard).
"""
import importlib.util
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.visualization import Visualizer

from hierembed.registry import VISUALIZERS
from .keypoint_drawing import to_hwc_uint8

__all__ = ['WarpVisualizer', 'draw_warp_grid', 'level1_matches']

_HEADER = 18  # pixels of the label strip above the panels
_GAP = 2


def _to_rgb_panel(image: torch.Tensor, size: int) -> np.ndarray:
    """[3, H, W] float in [0, 1] -> uint8 [size, size, 3], nearest (shows the real pixels)."""
    return cv2.resize(to_hwc_uint8(image), (size, size), interpolation=cv2.INTER_NEAREST)


def _viridis(scaled: np.ndarray) -> np.ndarray:
    """Values in [0, 1] [H, W] -> RGB uint8 [H, W, 3] (OpenCV's viridis)."""
    u8 = (np.clip(scaled, 0, 1) * 255).astype(np.uint8)
    return cv2.applyColorMap(u8, cv2.COLORMAP_VIRIDIS)[..., ::-1]


def _to_sigma_panel(sigma: torch.Tensor, size: int, lo: float, hi: float) -> np.ndarray:
    """[1, H, W] positive confidence sigma -> a viridis map on the fixed range [lo, hi]
    (the level's range over the drawn samples), dark = confident (small sigma)."""
    values = sigma.detach().float()[0].cpu().numpy()
    scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
    return cv2.resize(_viridis(scaled), (size, size), interpolation=cv2.INTER_NEAREST)


def _text(canvas: np.ndarray, text: str, x: int, y: int, scale: float = 0.4) -> None:
    cv2.putText(canvas, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1,
                cv2.LINE_AA)


def _colour_bar(width: int, lo: float, hi: float, label: str) -> np.ndarray:
    """A strip: label, lo, a viridis ramp, hi."""
    strip = np.full((20, width, 3), 255, np.uint8)
    _text(strip, label, 3, 14)
    x0, x1 = 110, min(width - 60, 400)
    _text(strip, f'{lo:.2g}', x0 - 40, 14)
    ramp = _viridis(np.tile(np.linspace(0, 1, x1 - x0), (10, 1)))
    strip[5:15, x0:x1] = ramp
    _text(strip, f'{hi:.2g}', x1 + 4, 14)
    return strip


LEGEND = (
    'source, target: the two input crops ({size} px); gen r: the target rebuilt from source '
    'pixels by the level-r warp ({widths} px)',
    'sigma r: the per-pixel confidence of gen r (Laplace scale; dark = confident, small '
    'reconstruction error expected)',
    'target pts / from (r=1): a few target pixels and, in the same colours, the source pixel '
    'each copies at level 1',
)


def level1_matches(prob: torch.Tensor, points: Sequence[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """The most probable source pixel of each given target pixel at level 1.

    Args:
        prob: [W1 * W1, W1, W1] level-1 probabilities of one sample (channel = source pixel,
            row-major; spatial = target pixel).
        points: target pixels (y, x) at level-1 resolution.

    Returns:
        The source pixels (y, x), one per target pixel.
    """
    width = prob.shape[-1]
    matches = []
    for y, x in points:
        index = int(prob[:, y, x].argmax())
        matches.append((index // width, index % width))
    return matches


def _grid_points(width: int, per_side: int) -> List[Tuple[int, int]]:
    """``per_side`` x ``per_side`` target pixels spread over the inner part of the image."""
    coords = np.linspace(width * 0.2, width * 0.8, per_side).round().astype(int)
    return [(int(y), int(x)) for y in coords for x in coords]


def _colours(n: int) -> List[Tuple[int, int, int]]:
    hues = np.linspace(0, 179, n, endpoint=False).astype(np.uint8)
    hsv = np.stack([hues, np.full(n, 255, np.uint8), np.full(n, 255, np.uint8)], 1)[None]
    return [tuple(int(c) for c in rgb) for rgb in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0]]


def _draw_points(panel: np.ndarray, points, width: int, colours) -> np.ndarray:
    panel = panel.copy()
    scale = panel.shape[0] / width
    radius = max(2, panel.shape[0] // 40)
    for (y, x), colour in zip(points, colours):
        centre = (int((x + 0.5) * scale), int((y + 0.5) * scale))
        cv2.circle(panel, centre, radius + 1, (255, 255, 255), -1)
        cv2.circle(panel, centre, radius, colour, -1)
    return panel


def draw_warp_grid(warp: Dict[str, list],
                   max_samples: int = 4,
                   panel_size: Optional[int] = None,
                   points_per_side: int = 3,
                   inputs: Optional[Dict[str, torch.Tensor]] = None,
                   legend: bool = True) -> np.ndarray:
    """Lay out the warp of a batch as one RGB image.

    One row per sample; columns: source, target (the input crops at their own resolution when
    ``inputs`` is given), then for each level the generated image and (when the model predicts
    one) the confidence sigma, then the level-1 correspondences: a few target pixels marked on
    the target and, in the same colours, the source pixel each takes its colour from (the mode
    of ``A^1``). Below, with ``legend``: what each column shows and a colour bar per sigma
    level (its range over the drawn samples, shared by the level's panels).

    Args:
        warp: the output of ``ClassEmbedder.warp``: per-level lists ``generated``
            ([B, 3, W_r, W_r] in [0, 1]), ``sigma`` ([B, 1, W_r, W_r] or None), ``prob``
            (level 1: [B, W_1^2, W_1, W_1]), ``source`` and ``target`` ([B, 3, W_r, W_r]).
        max_samples: rows to draw (the first samples of the batch).
        panel_size: side of each square panel in pixels (default: the input's side times the
            integer that brings it nearest 96, so every pixel is a whole square).
        points_per_side: the correspondence panel marks this many squared target pixels.
        inputs: ``source`` and ``target`` [B, 3, S, S] in [0, 1], the crops as the model saw
            them (default: the finest level's ``source`` / ``target``).
        legend: add the legend and the colour bars.

    Returns:
        uint8 [H, W, 3] RGB.
    """
    generated = warp['generated']
    sigmas = warp.get('sigma') or [None] * len(generated)
    sources, targets = warp['source'], warp['target']
    if inputs is not None:
        full_source, full_target = inputs['source'], inputs['target']
    else:
        full_source, full_target = sources[-1], targets[-1]
    input_side = int(full_source.shape[-1])
    if panel_size is None:
        panel_size = input_side * max(1, round(96 / input_side))
    prob1 = warp['prob'][0] if warp.get('prob') else None
    batch = min(int(generated[0].shape[0]), max_samples)
    ranges = [None if s is None else (float(s[:batch].min()), float(s[:batch].max()))
              for s in sigmas]

    labels = ['source', 'target']
    for level, sigma in enumerate(sigmas, start=1):
        labels.append(f'gen {level}')
        if sigma is not None:
            labels.append(f'sigma {level}')
    if prob1 is not None:
        labels += ['target pts', 'from (r=1)']

    rows = []
    for b in range(batch):
        panels = [_to_rgb_panel(full_source[b], panel_size),
                  _to_rgb_panel(full_target[b], panel_size)]
        for gen, sigma, rng in zip(generated, sigmas, ranges):
            panels.append(_to_rgb_panel(gen[b], panel_size))
            if sigma is not None:
                panels.append(_to_sigma_panel(sigma[b], panel_size, *rng))
        if prob1 is not None:
            width = int(prob1.shape[-1])
            points = _grid_points(width, points_per_side)
            colours = _colours(len(points))
            matches = level1_matches(prob1[b], points)
            panels.append(_draw_points(_to_rgb_panel(targets[0][b], panel_size), points, width,
                                       colours))
            panels.append(_draw_points(_to_rgb_panel(sources[0][b], panel_size), matches, width,
                                       colours))
        rows.append(panels)

    cols = len(labels)
    height = _HEADER + batch * (panel_size + _GAP)
    width = max(cols * (panel_size + _GAP), 560 if legend else 0)
    canvas = np.full((height, width, 3), 255, np.uint8)
    for c, label in enumerate(labels):
        _text(canvas, label, c * (panel_size + _GAP) + 3, _HEADER - 5)
    for r, panels in enumerate(rows):
        top = _HEADER + r * (panel_size + _GAP)
        for c, panel in enumerate(panels):
            left = c * (panel_size + _GAP)
            canvas[top:top + panel_size, left:left + panel_size] = panel
    if not legend:
        return canvas
    widths = '/'.join(str(int(g.shape[-1])) for g in generated)
    parts = [canvas]
    for line in LEGEND if prob1 is not None else LEGEND[:2]:
        text = line.format(size=input_side, widths=widths)
        # wrap to the canvas at about 6 px a character
        per_line = max(40, width // 6)
        while text:
            cut = len(text) if len(text) <= per_line else text.rfind(' ', 0, per_line)
            cut = per_line if cut <= 0 else cut
            strip = np.full((16, width, 3), 255, np.uint8)
            _text(strip, text[:cut].strip(), 3, 12, 0.35)
            parts.append(strip)
            text = text[cut:].strip()
    for level, rng in enumerate(ranges, start=1):
        if rng is not None:
            parts.append(_colour_bar(width, *rng, f'sigma {level}'))
    return np.concatenate(parts, 0)


@VISUALIZERS.register_module()
class WarpVisualizer(Visualizer):
    """mmengine's Visualizer that tolerates a missing TensorBoard.

    TensorBoard backends in ``vis_backends`` are dropped with a warning when the
    ``tensorboard`` package is not installed, so one config serves both kinds of machines.

    Args:
        name: the instance name (mmengine's ManagerMixin).
        vis_backends: backend configs, as for ``Visualizer``.
        save_dir: where file-writing backends write.
        **kwargs: passed to ``Visualizer``.
    """

    def __init__(self, name: str = 'visualizer', vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None, **kwargs) -> None:
        if vis_backends and importlib.util.find_spec('tensorboard') is None:
            kept = [b for b in vis_backends if 'tensorboard' not in str(b.get('type')).lower()]
            if len(kept) != len(vis_backends):
                warnings.warn('tensorboard is not installed: the TensorBoard backend is off.')
            vis_backends = kept
        super().__init__(name=name, vis_backends=vis_backends, save_dir=save_dir, **kwargs)
