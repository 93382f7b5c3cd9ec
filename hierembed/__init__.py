"""hierembed: self-supervised class embeddings from video (hierarchical probabilistic warp)."""
import os

# albumentations checks PyPI for updates at import; this toolkit runs offline.
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

from .utils.package_configs import enable_package_configs  # noqa: E402
from .version import __version__  # noqa: E402

# `_base_ = ['hierembed::_base_/cpu_recipe.py']` in any config read after this import
enable_package_configs()

__all__ = ['__version__']
