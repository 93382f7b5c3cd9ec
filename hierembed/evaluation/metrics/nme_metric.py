"""NME (normalised mean error) as an mmengine metric: the face protocol of the paper."""
from typing import Dict, Optional, Sequence, Union

import numpy as np

from hierembed.registry import METRICS
from ..functional import keypoint_distance_norm, nme
from .base_keypoint_metric import BaseKeypointMetric


@METRICS.register_module()
class NMEMetric(BaseKeypointMetric):
    """Mean landmark error over the inter-ocular distance, in % (lower is better).

    The normaliser is either the sample's ``norm`` (``KeypointDataset`` with the inter-ocular
    ``norm_type``: the dataset knows which points are the eyes, including for 5-point faces where
    they are eye centres and 68-point ones where they are outer corners), or, with
    ``norm_keypoints``, the distance between those two ground-truth keypoints (mmpose's
    ``norm_mode='keypoint_distance'``). Then an instance where either of them is unlabelled is
    left out, as is any instance whose normaliser is zero.

    The mean pools every valid (instance, keypoint) entry, as mmpose's NME; the per-keypoint
    values average each keypoint over its own valid entries. With every keypoint labelled the
    pooled mean equals the mean of the per-keypoint values.

    Args:
        norm_item: the sample key holding the normaliser when ``norm_keypoints`` is not given.
        norm_keypoints: two keypoints (names or indices) whose distance is the normaliser.
        name: key of the mean in the output; default ``'NME'``.
        keypoints: score only these keypoints, see :class:`BaseKeypointMetric`.
        collect_device: see :class:`BaseKeypointMetric`.
        prefix: see :class:`BaseKeypointMetric`.
    """
    greater_is_better = False

    def __init__(self,
                 norm_item: str = 'norm',
                 norm_keypoints: Optional[Sequence[Union[int, str]]] = None,
                 name: Optional[str] = None,
                 keypoints: Optional[Sequence[Union[int, str]]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(keypoints=keypoints, collect_device=collect_device, prefix=prefix)
        if norm_keypoints is not None and len(norm_keypoints) != 2:
            raise ValueError('norm_keypoints must be a pair of keypoints')
        self.norm_item = norm_item
        self.norm_keypoints = norm_keypoints
        self._name = name or 'NME'
        keys = ['pred_keypoints', 'keypoints', 'keypoints_visible']
        if norm_keypoints is None:
            keys.append(norm_item)
        self.required_keys = tuple(keys)

    @property
    def name(self) -> str:
        return self._name

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{name: pooled NME in %, name/<keypoint>: NME in %}``."""
        pred = self._stack(results, 'pred_keypoints')
        gt = self._stack(results, 'keypoints')
        visible = self._stack(results, 'keypoints_visible')
        if self.norm_keypoints is None:
            norm = np.array([np.asarray(r[self.norm_item], dtype=np.float64).ravel()[0]
                             for r in results])
        else:
            a, b = (self.keypoint_index(k) for k in self.norm_keypoints)
            norm = np.where((visible[:, a] > 0) & (visible[:, b] > 0),
                            keypoint_distance_norm(gt, a, b), 0.0)
        per_kpt, mean, _ = nme(pred, gt, self.scored_mask(visible), norm)
        return self._format(per_kpt, mean)
