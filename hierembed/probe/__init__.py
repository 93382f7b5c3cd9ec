"""The probe subsystem (paper section 5): frozen embeddings -> trained heads -> test scores.

``runner`` (:func:`run_probe`, :func:`probe_features`), ``features`` (extraction and the cache),
``fitting`` (head training with selection on val), ``evaluation`` (metrics, selection scores),
``baselines`` (mean pose, random init, the supervised ceiling), ``report`` (tables, intervals).
The public entry points are re-exported by :mod:`hierembed.apis`.
"""
from .baselines import mean_pose_prediction, train_supervised
from .evaluation import evaluate_predictions
from .features import (FeatureCache, ProbeTargets, dataset_fingerprint, encoder_fingerprint,
                       extract_split)
from .fitting import FeatureStandardizer, fit_head
from .report import print_tables, results_markdown, t_interval, write_results_json
from .runner import KNOWN_BASELINES, PROBE_CFG_KEYS, probe_features, run_probe

__all__ = [
    'run_probe', 'probe_features', 'KNOWN_BASELINES', 'PROBE_CFG_KEYS', 'FeatureCache',
    'ProbeTargets', 'dataset_fingerprint', 'encoder_fingerprint', 'extract_split',
    'FeatureStandardizer', 'fit_head', 'evaluate_predictions', 'mean_pose_prediction',
    'train_supervised', 'print_tables', 'results_markdown', 'write_results_json', 't_interval'
]
