from .inference import (checkpoint_config, crop_settings, embed_frames, embed_images, frame_box,
                        init_embedder, resolve_model_cfg)
from .probe import KNOWN_BASELINES, probe_features, run_probe

__all__ = [
    'init_embedder', 'embed_images', 'embed_frames', 'crop_settings', 'frame_box',
    'checkpoint_config', 'resolve_model_cfg', 'run_probe', 'probe_features', 'KNOWN_BASELINES'
]
