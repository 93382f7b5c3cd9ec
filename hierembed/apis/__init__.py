from .features import (FeatureCache, ProbeTargets, dataset_fingerprint, encoder_fingerprint,
                       extract_split)
from .head_training import FeatureStandardizer, fit_head
from .inference import checkpoint_config, embed_images, init_embedder, resolve_model_cfg
from .probe import (KNOWN_BASELINES, PROBE_DEFAULTS, evaluate_predictions, mean_pose_prediction,
                    probe_features, run_probe)
from .report import print_tables, results_markdown, write_results_json

__all__ = [
    'init_embedder', 'embed_images', 'checkpoint_config', 'resolve_model_cfg', 'FeatureCache',
    'ProbeTargets', 'dataset_fingerprint', 'encoder_fingerprint', 'extract_split',
    'FeatureStandardizer', 'fit_head', 'run_probe', 'probe_features', 'evaluate_predictions',
    'mean_pose_prediction', 'KNOWN_BASELINES', 'PROBE_DEFAULTS', 'print_tables',
    'results_markdown', 'write_results_json'
]
