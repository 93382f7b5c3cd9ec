"""Per-frame appearance and geometry jitter with albumentations, reproducible from a seed."""
from typing import Dict, List, Optional, Sequence, Union

import albumentations as A
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from hierembed.registry import TRANSFORMS

BORDERS = dict(constant=cv2.BORDER_CONSTANT, replicate=cv2.BORDER_REPLICATE,
               reflect=cv2.BORDER_REFLECT_101)


def _pm(v: Union[float, Sequence[float]]):
    """A magnitude ``m`` -> the symmetric range (-m, m); a pair passes through."""
    if isinstance(v, (list, tuple)):
        return tuple(float(x) for x in v)
    return (-float(v), float(v))


class _AlbuBase(BaseTransform):
    """Runs an albumentations ``Compose`` on ``img`` (and ``keypoints`` if present).

    Randomness comes from ``results['rng']`` (a numpy Generator) when the dataset provides one,
    so a sample is a function of the dataset's seed and index, whatever worker draws it.
    """

    def _build(self, transforms: List) -> None:
        # 'xy' keypoints outside the image are kept: a probe must see every keypoint.
        self.compose = A.Compose(transforms, keypoint_params=A.KeypointParams(
            format='xy', remove_invisible=False), seed=0)

    def transform(self, results: Dict) -> Optional[Dict]:
        rng = results.get('rng')
        seed = int(rng.integers(2 ** 31)) if rng is not None else int(np.random.randint(2 ** 31))
        self.compose.set_random_seed(seed)
        kps = results.get('keypoints')
        kp_in = np.zeros((0, 2), np.float32) if kps is None else np.asarray(kps, np.float32)
        out = self.compose(image=results['img'], keypoints=kp_in)
        results['img'] = out['image']
        if kps is not None:
            results['keypoints'] = np.asarray(out['keypoints'], np.float32).reshape(-1, 2)
        return results


@TRANSFORMS.register_module()
class AlbuJitter(_AlbuBase):
    """The paper's frame jitter: rotation, scale, translation, then colour.

    Args:
        rotate: degrees, +- (or a (lo, hi) pair). Paper: 15.
        scale: relative, the zoom is drawn from 1 +- scale.
        translate: fraction of the side, +-.
        color: brightness, contrast and saturation +-; hue +- color / 4 (fraction of a turn).
        border: ``'replicate'``, ``'reflect'`` or ``'constant'``. Reflection is avoided by
            default: albumentations mirrors keypoints along with reflected borders.
        p_color: probability of the colour jitter.
    """

    def __init__(self, rotate: float = 15.0, scale: float = 0.1, translate: float = 0.05,
                 color: float = 0.2, border: str = 'replicate', p_color: float = 1.0):
        self.rotate, self.scale, self.translate, self.color = rotate, scale, translate, color
        self.border = border
        transforms = [A.Affine(rotate=_pm(rotate), scale=(1 - scale, 1 + scale),
                               translate_percent=_pm(translate), border_mode=BORDERS[border],
                               interpolation=cv2.INTER_LINEAR, p=1.0)]
        if color:
            transforms.append(A.ColorJitter(brightness=color, contrast=color, saturation=color,
                                            hue=min(0.5, color / 4), p=p_color))
        self._build(transforms)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(rotate={self.rotate}, scale={self.scale}, '
                f'translate={self.translate}, color={self.color}, border={self.border!r})')


@TRANSFORMS.register_module()
class Albumentation(_AlbuBase):
    """Any albumentations transforms by name: ``dict(type='Albumentation', transforms=[
    dict(type='Affine', rotate=(-15, 15), p=1), dict(type='ColorJitter', p=1)])``.

    Args:
        transforms: configs whose ``type`` is an albumentations class name.
    """

    def __init__(self, transforms: List[Dict]):
        built = []
        for i, cfg in enumerate(transforms):
            cfg = dict(cfg)
            name = cfg.pop('type', None)
            cls = getattr(A, name, None) if isinstance(name, str) else None
            if cls is None:
                raise KeyError(f'Albumentation.transforms[{i}]: {name!r} is not an '
                               'albumentations transform')
            built.append(cls(**cfg))
        self.cfgs = transforms
        self._build(built)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(transforms={self.cfgs})'
