"""The horse class (the paper's fourth): TigDog horse shots as video pairs, their 19 landmarks,
a converter (``python -m plugins.horse.convert``), and its configs (configs/horse.py,
configs/probes/horse.py, plugins/horse/configs/). Importing this package registers
:class:`TigDogHorseDataset` in ``hierembed.registry.DATASETS``; see README.md here."""
from .datasets import TigDogHorseDataset
from .tigdog import METAINFO, TigDogFormatError, convert

__all__ = ['TigDogHorseDataset', 'TigDogFormatError', 'convert', 'METAINFO']
