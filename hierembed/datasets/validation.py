"""Checks that run when a dataset is built, so bad input fails early with the file and field named.

A problem is either fatal (the message names the annotation file, the field -- a JSON path such
as ``videos[3].tracks[0].boxes["12"]`` -- and what is wrong) or, when the user built the dataset
with ``skip_invalid=True``, the smallest unit holding it (a frame's box, a track, a video, an
instance) is left out, counted and logged. Nothing is left for a DataLoader worker to trip on.
"""
import json
import math
import os.path as osp
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from mmengine.logging import print_log

from hierembed.errors import DataError


class DatasetFormatError(DataError):
    """An annotation file or a media file that it references is not usable."""


class Issues:
    """Collects problems found while validating one annotation file.

    Args:
        ann_file: the file being checked (named in every message).
        skip_invalid: collect and skip instead of raising.
    """

    def __init__(self, ann_file: str, skip_invalid: bool):
        self.ann_file = ann_file
        self.skip_invalid = skip_invalid
        self.items: List[str] = []

    def add(self, field: str, reason: str) -> None:
        msg = f'{self.ann_file}: {field}: {reason}'
        if not self.skip_invalid:
            raise DatasetFormatError(msg + ' (build the dataset with skip_invalid=True to skip '
                                     'such entries)')
        self.items.append(msg)

    def report(self, what: str, kept: int) -> None:
        if not self.items:
            return
        shown = '\n  '.join(self.items[:10])
        more = f'\n  ... and {len(self.items) - 10} more' if len(self.items) > 10 else ''
        print_log(f'{self.ann_file}: skipped {len(self.items)} invalid entries, kept {kept} '
                  f'{what}:\n  {shown}{more}', logger='current', level=30)


def fatal(ann_file: str, field: str, reason: str) -> DatasetFormatError:
    """An error for problems that no skipping can get around (the file's overall shape)."""
    return DatasetFormatError(f'{ann_file}: {field}: {reason}')


def load_json(ann_file: str) -> Any:
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'{ann_file}: annotation file not found')
    try:
        with open(ann_file) as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise fatal(ann_file, f'line {e.lineno} column {e.colno}', f'not valid JSON ({e.msg})') \
            from None
    except UnicodeDecodeError:
        raise fatal(ann_file, '(file)', 'not a UTF-8 text file') from None


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def finite_numbers(values: Any, count: int = None) -> bool:
    """True if ``values`` is a list of finite numbers (of length ``count`` if given).

    Python's json reads ``NaN`` and ``Infinity`` literals; they are caught here."""
    if not isinstance(values, (list, tuple)):
        return False
    if count is not None and len(values) != count:
        return False
    return all(is_number(v) and math.isfinite(v) for v in values)


# A box side under one pixel holds no object: its crop would enlarge a speck (a 1e-4 px box put
# keypoints at 7e6 crop pixels).
MIN_BOX_SIDE = 1.0
# A box with less of its area than this inside the frame gives a crop that is mostly padding (a
# 1e9 px box: one flat colour).
MIN_BOX_INSIDE = 0.1


def box_problem(box: Sequence[float], width: float, height: float, noun: str) -> Optional[str]:
    """What is wrong with an ``[x, y, w, h]`` box of finite numbers on a ``width x height`` frame.

    Args:
        box: the box, in pixels.
        width: the frame's width.
        height: the frame's height.
        noun: what the frame is called in the message (``'frame'``, ``'image'``).

    Returns:
        The reason, or None for a usable box.
    """
    x, y, w, h = box
    if w <= 0 or h <= 0:
        return f'{list(box)} has no area'
    if w < MIN_BOX_SIDE or h < MIN_BOX_SIDE:
        return (f'{list(box)} is {w:g} x {h:g} px, under the {MIN_BOX_SIDE:g}-px minimum side '
                '(its crop would enlarge a speck)')
    inside = (max(0.0, min(x + w, width) - max(x, 0.0)) * max(0.0, min(y + h, height) - max(y, 0.0))
              / (w * h))
    if inside == 0:
        return f'{list(box)} lies outside the {width}x{height} {noun}'
    if inside < MIN_BOX_INSIDE:
        return (f'{list(box)}: only {100 * inside:.2g}% of it lies inside the {width}x{height} '
                f'{noun} (at least {100 * MIN_BOX_INSIDE:g}% must: its crop would be padding)')
    return None


def image_size(path: str) -> Tuple[int, int]:
    """``(width, height)`` of an image file as OpenCV decodes it, from its header only.

    OpenCV applies the EXIF orientation, so a rotated JPEG has its sides swapped.

    Raises:
        OSError: not a readable image.
    """
    from PIL import Image
    with Image.open(path) as im:
        w, h = im.size
        if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # EXIF orientation: a quarter turn
            w, h = h, w
    return w, h


def progress(items: Iterable, total: int, description: str, threshold: int = 50):
    """Iterate with a rich progress bar on stderr when the set is large."""
    if total < threshold:
        yield from items
        return
    from rich.console import Console
    from rich.progress import track
    yield from track(items, total=total, description=description, transient=True,
                     console=Console(stderr=True))
