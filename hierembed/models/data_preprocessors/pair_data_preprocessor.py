"""Moves collated frame pairs to the model's device as float images in [0, 1]."""
from typing import Any

import torch
from mmengine.model import BaseDataPreprocessor

from hierembed.registry import MODELS


def images_to_float(images: torch.Tensor) -> torch.Tensor:
    """Frames as float in [0, 1]: uint8 in [0, 255] is divided by 255, floats are kept.

    The toolkit's one uint8-to-float conversion (training batches, ``ClassEmbedder.embed``,
    the inference helpers).

    Args:
        images: [..., 3, H, W] uint8 in [0, 255], or float in [0, 1].

    Returns:
        [..., 3, H, W] float32 (a float32 input is returned as it is).
    """
    if images.dtype == torch.uint8:
        return images.float().div_(255.0)
    return images.float()


@MODELS.register_module()
class PairDataPreprocessor(BaseDataPreprocessor):
    """Casts every uint8 image tensor of ``data['inputs']`` to float in [0, 1] on the device.

    The datasets keep frames as uint8 so that workers move four times less data.
    """

    def forward(self, data: dict, training: bool = False) -> Any:
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, dict):
            data['inputs'] = {k: self._to_float(v) for k, v in inputs.items()}
        else:
            data['inputs'] = self._to_float(inputs)
        return data

    @staticmethod
    def _to_float(x):
        if isinstance(x, torch.Tensor) and x.dtype == torch.uint8:
            return images_to_float(x)
        return x
