"""Samplers that draw fresh pairs in every pass over a :class:`VideoPairDataset`."""
from .pair_samplers import DefaultPairSampler, InfinitePairSampler

__all__ = ['InfinitePairSampler', 'DefaultPairSampler']
