from .data_preprocessors import *  # noqa: F401,F403
from .embedders import *  # noqa: F401,F403
from .encoders import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .probe_heads import *  # noqa: F401,F403
from .warp_heads import *  # noqa: F401,F403
