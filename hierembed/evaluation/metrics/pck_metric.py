"""PCK (percentage of correct keypoints) as an mmengine metric."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from hierembed.registry import METRICS
from ..functional import keypoint_distance_norm, pck_accuracy
from .base_keypoint_metric import BaseKeypointMetric


@METRICS.register_module()
class PCKMetric(BaseKeypointMetric):
    """PCK per keypoint and averaged over keypoints, under one of the paper's protocols.

    The protocol is the normaliser (all in the units of the keypoints, crop pixels here):

    - ``norm_item='norm'`` (default): the sample's ``norm``, the protocol normaliser that the
      dataset computes (``norm_type`` of ``KeypointDataset``: torso diameter, bbox size,
      inter-ocular distance, or the crop pixels of one original pixel for BBC Pose's 6 px).
      ``KeypointDataset`` multiplies it by ``norm_kwargs.factor`` (0.2 by default for torso and
      bbox): the probe configs set the factor to 1 and ``thr`` to the paper's number; with the
      dataset's default factor, ``thr`` is 1.
    - ``'fixed'``: no normaliser, ``thr`` is a distance in keypoint units.
    - ``'torso'``: the distance between two ground-truth keypoints (``torso_keypoints``,
      names or indices; FLIC: a shoulder and the opposite hip). An instance where either is
      unlabelled is left out. mmpose (JHMDB) falls back to the *predicted* torso when the ground
      truth one is under 1 pixel; we never normalise by a prediction, which a bad model could
      inflate, and leave the instance out instead.
    - ``'bbox'``: ``max(w, h)`` of the sample's ``bbox`` ``[x, y, w, h]``, as mmpose's PCK; the
      box must be in the keypoints' units. ``KeypointDataset`` gives its ``bbox`` in original
      image pixels and its keypoints in crop pixels: there, use the dataset's
      ``norm_type='bbox'`` and ``norm_item='norm'``.
    - any other string: that sample key, a scalar per-instance normaliser.

    Masking follows mmpose: entries with ``keypoints_visible > 0`` (visible and occluded) count,
    instances with a zero normaliser are left out, correct means strictly below ``thr``, per
    keypoint first and then the mean over keypoints that have valid entries (see
    :mod:`hierembed.evaluation.functional.keypoint_eval` for where we differ and why).

    Args:
        thr: threshold on the normalised distance (0.2 for FLIC and Penn Action; 6 for BBC Pose
            with a pixel normaliser).
        norm_item: which normaliser, see above.
        torso_keypoints: the two keypoints of ``norm_item='torso'``.
        name: key of the mean in the output; default ``'PCK@<thr>'``.
        keypoints: score only these keypoints, see :class:`BaseKeypointMetric`.
        collect_device: see :class:`BaseKeypointMetric`.
        prefix: see :class:`BaseKeypointMetric`.
    """
    greater_is_better = True

    def __init__(self,
                 thr: float = 0.2,
                 norm_item: str = 'norm',
                 torso_keypoints: Optional[Sequence[Union[int, str]]] = None,
                 name: Optional[str] = None,
                 keypoints: Optional[Sequence[Union[int, str]]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(keypoints=keypoints, collect_device=collect_device, prefix=prefix)
        if norm_item == 'torso' and (torso_keypoints is None or len(torso_keypoints) != 2):
            raise ValueError("norm_item='torso' needs torso_keypoints, a pair of keypoints")
        self.thr = thr
        self.norm_item = norm_item
        self.torso_keypoints = torso_keypoints
        self._name = name or f'PCK@{thr:g}'
        keys = ['pred_keypoints', 'keypoints', 'keypoints_visible']
        if norm_item not in ('fixed', 'torso'):
            keys.append(norm_item)
        self.required_keys = tuple(keys)

    @property
    def name(self) -> str:
        return self._name

    def instance_norm(self, results: List[dict], gt: np.ndarray,
                      visible: np.ndarray) -> np.ndarray:
        """The [N] per-instance normaliser of the configured protocol."""
        if self.norm_item == 'fixed':
            return np.ones(len(gt))
        if self.norm_item == 'torso':
            a, b = (self.keypoint_index(k) for k in self.torso_keypoints)
            torso = keypoint_distance_norm(gt, a, b)
            return np.where((visible[:, a] > 0) & (visible[:, b] > 0), torso, 0.0)
        values = [np.asarray(r[self.norm_item], dtype=np.float64).ravel() for r in results]
        if self.norm_item == 'bbox':
            return np.array([max(v[2], v[3]) for v in values])
        return np.array([v[0] for v in values])

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{name: mean PCK in %, name/<keypoint>: PCK in %}``."""
        pred = self._stack(results, 'pred_keypoints')
        gt = self._stack(results, 'keypoints')
        visible = self._stack(results, 'keypoints_visible')
        norm = self.instance_norm(results, gt, visible)
        per_kpt, mean, _ = pck_accuracy(pred, gt, self.scored_mask(visible), self.thr, norm)
        return self._format(per_kpt, mean)
