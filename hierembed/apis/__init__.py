from .inference import checkpoint_config, embed_images, init_embedder, resolve_model_cfg
from .probe import KNOWN_BASELINES, probe_features, run_probe

__all__ = [
    'init_embedder', 'embed_images', 'checkpoint_config', 'resolve_model_cfg', 'run_probe',
    'probe_features', 'KNOWN_BASELINES'
]
