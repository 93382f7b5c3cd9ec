"""Shared plumbing of the keypoint metrics: collecting samples, naming per-keypoint results."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.evaluator import BaseMetric


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


class BaseKeypointMetric(BaseMetric):
    """Collects per-sample predictions and ground truth, reports the mean and each keypoint.

    ``process`` takes ``data_samples``: one dict per instance with the keypoint-sample keys of
    ``docs/architecture.md`` plus the prediction,

        dict(pred_keypoints=[K, 2],        # predicted (x, y), in the units of `keypoints`
             pred_visibility=[K],          # visibility scores (only VisibilityAUCMetric)
             keypoints=[K, 2], keypoints_visible=[K], norm=float, bbox=[4])

    (numpy arrays or tensors). ``data_batch`` is not read. ``compute_metrics`` returns flat
    scalars: ``{name: mean, f'{name}/{keypoint_name}': value, ...}``, in percent like the paper's
    tables (mmpose reports fractions). Keypoint names come from ``dataset_meta['keypoint_names']``
    (set by the Runner from the dataset, or by hand); without them they are ``'kpt<i>'``.
    A keypoint whose value is undefined (no valid entry) is NaN.

    Args:
        keypoints: score only these keypoints (names or indices); the others are NaN and stay
            out of the mean (FLIC: the hips are annotated but not scored; AFLW5 within AFLW21).
            Default: all.
        collect_device: device for collecting results across ranks (``'cpu'`` or ``'gpu'``).
        prefix: mmengine's metric prefix, prepended as ``'<prefix>/'`` by ``evaluate``.
    """
    # No prefix by default: the keys already say which metric they are ('PCK@0.2/head').
    default_prefix: Optional[str] = ''
    #: Whether a larger value is better (PCK, AUC) or worse (NME); reports use it for deltas.
    greater_is_better: bool = True
    #: Keys each sample dict must carry.
    required_keys: Tuple[str, ...] = ('keypoints', 'keypoints_visible')

    def __init__(self, keypoints: Optional[Sequence[Union[int, str]]] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.keypoints = None if keypoints is None else list(keypoints)

    @property
    def name(self) -> str:
        """The key of the mean in ``compute_metrics``' output."""
        raise NotImplementedError

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store what the metric needs of each sample (see the class docstring)."""
        for sample in data_samples:
            missing = [k for k in self.required_keys if k not in sample]
            if missing:
                raise KeyError(f'{type(self).__name__} needs {missing} in each data sample; '
                               f'got keys {sorted(sample)}')
            self.results.append({k: _to_numpy(sample[k]) for k in self.required_keys})

    def _stack(self, results: List[dict], key: str) -> np.ndarray:
        return np.stack([r[key] for r in results]).astype(np.float64)

    def keypoint_names(self, num_keypoints: int) -> List[str]:
        """Names for the per-keypoint keys, from ``dataset_meta`` when it has them."""
        names = (self.dataset_meta or {}).get('keypoint_names')
        if names is not None and len(names) == num_keypoints:
            return list(names)
        return [f'kpt{i}' for i in range(num_keypoints)]

    def keypoint_index(self, key) -> int:
        """Index of a keypoint given by index or by name (through ``dataset_meta``)."""
        if isinstance(key, (int, np.integer)):
            return int(key)
        names = list((self.dataset_meta or {}).get('keypoint_names') or [])
        if key not in names:
            raise KeyError(f'{type(self).__name__}: keypoint {key!r} is not in the dataset '
                           f'metainfo keypoint_names {names}')
        return names.index(key)

    def scored_mask(self, visible: np.ndarray) -> np.ndarray:
        """``visible`` [N, K] with the keypoints that are not scored set to 0."""
        if self.keypoints is None:
            return visible
        keep = np.zeros(visible.shape[1], bool)
        keep[[self.keypoint_index(k) for k in self.keypoints]] = True
        return np.where(keep[None], visible, 0)

    def _format(self, per_kpt: np.ndarray, mean: float) -> Dict[str, float]:
        out = {self.name: 100.0 * mean}
        for kpt_name, value in zip(self.keypoint_names(len(per_kpt)), per_kpt):
            out[f'{self.name}/{kpt_name}'] = 100.0 * float(value)
        return out


def split_metric_output(metrics: Dict[str, float], name: str) -> Tuple[float, Dict[str, float]]:
    """Take a metric's mean and its per-keypoint values out of a flat ``compute_metrics`` dict.

    Args:
        metrics: the output of ``compute_metrics`` (or of ``evaluate`` without a prefix).
        name: the metric's ``name``.

    Returns:
        ``(mean, {keypoint_name: value})``.
    """
    per_kpt = {k[len(name) + 1:]: v for k, v in metrics.items() if k.startswith(name + '/')}
    return metrics[name], per_kpt
