"""Probe a trained embedding: the public entry points of :mod:`hierembed.probe`."""
from hierembed.probe import KNOWN_BASELINES, probe_features, run_probe

__all__ = ['run_probe', 'probe_features', 'KNOWN_BASELINES']
