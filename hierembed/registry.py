"""Every registry of the toolkit, each a child of mmengine's root of the same kind.

Configs name components by ``type=`` and are built with ``default_scope='hierembed'``;
``locations`` lets the registry import the modules that register them on first use, so a
config needs no imports. Plugins (``plugins/<name>``) register into these same registries.

Encoders, warp heads, losses and downstream (probe) heads are all ``nn.Module`` s built by
``MODELS``; the names ``ENCODERS``, ``WARP_HEADS``, ``LOSSES`` and ``PROBE_HEADS`` are that
registry under the name of the concept they hold, as in mmpose.
"""

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry as _MMRegistry

from .errors import ConfigKeyError
from .utils.misc import did_you_mean


class Registry(_MMRegistry):
    """An mmengine registry whose failed look-up names itself and what it holds.

    mmengine's own message says only that the name is missing; a user with a typo in a
    config wants to see the registry, the names it does hold, and the closest one.
    """

    def get(self, key: str):
        obj = super().get(key)
        if obj is None and isinstance(key, str):
            self.import_from_location()
            held = sorted(self._all_names())
            hint = did_you_mean(key.split('.')[-1], held)
            raise ConfigKeyError(f"'{key}' is not in the {self.scope}::{self.name} registry."
                                 f'{hint} It holds: {", ".join(held) if held else "(nothing)"}.')
        return obj

    def _all_names(self) -> set:
        names = set(self._module_dict)
        for child in self._children.values():
            names |= set(child._module_dict)
        if self.parent is not None:
            names |= set(self.parent._module_dict)
        return names


# Components of the self-supervised model and of the probes.
MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['hierembed.models'])
ENCODERS = WARP_HEADS = LOSSES = PROBE_HEADS = MODELS
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
                          locations=['hierembed.models'])
WEIGHT_INITIALIZERS = Registry('weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS,
                               locations=['hierembed.models'])

# Data.
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['hierembed.datasets'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS,
                      locations=['hierembed.datasets.transforms'])
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS,
                         locations=['hierembed.datasets'])
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS, locations=['hierembed.datasets'])

# Evaluation.
METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['hierembed.evaluation'])

# Engine.
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['hierembed.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['hierembed.engine'])
LOG_PROCESSORS = Registry('log processor', parent=MMENGINE_LOG_PROCESSORS,
                          locations=['hierembed.engine'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=['hierembed.engine'])
OPTIM_WRAPPERS = Registry('optim wrapper', parent=MMENGINE_OPTIM_WRAPPERS,
                          locations=['hierembed.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
                                      locations=['hierembed.engine'])
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS,
                            locations=['hierembed.engine'])

# Visualisation.
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS,
                       locations=['hierembed.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS,
                       locations=['hierembed.visualization'])
