"""hierembed: self-supervised class embeddings from video (hierarchical probabilistic warp)."""
import os

# albumentations checks PyPI for updates at import; this toolkit runs offline.
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

from .version import __version__  # noqa: E402

__all__ = ['__version__']
