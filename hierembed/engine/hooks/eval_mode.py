"""The trained model in eval mode for a hook's look at it, restored afterwards."""
import contextlib
from typing import Iterator

from mmengine.model import is_model_wrapper
from torch import nn


@contextlib.contextmanager
def model_in_eval(runner) -> Iterator[nn.Module]:
    """Yield ``runner.model`` (unwrapped from DDP) in eval mode; its training mode is restored
    on exit, also when the body raises."""
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
