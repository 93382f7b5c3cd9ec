"""Checkpoint loading under torch >= 2.6 (weights_only) and atomic writes."""
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.logging import HistoryBuffer
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import hierembed.engine  # noqa: F401  (registers the loader and the backend)
from hierembed.engine.checkpoint import (atomic_write_bytes, load_from_local_weights_only,
                                         remove_stale_temporaries)


def _mmengine_like_checkpoint() -> dict:
    """What mmengine 0.10.7's Runner.save_checkpoint stores, with the object types it uses."""
    buffer = HistoryBuffer()
    for value in (3.0, 2.0, 1.5):
        buffer.update(value)
    return dict(
        meta=dict(epoch=0, iter=6, cfg='model = dict()', seed=np.int64(7),
                  mmengine_version='0.10.7'),
        state_dict=OrderedDict(weight=torch.arange(4.0), _active_levels=torch.tensor(2)),
        message_hub=dict(log_scalars=OrderedDict([('train/loss', buffer)]),
                         runtime_info=OrderedDict(iter=5, eta=np.float64(0.5),
                                                  table=np.arange(3, dtype=np.float32))),
        optimizer=dict(state={0: dict(step=torch.tensor(6.0), exp_avg=torch.ones(4))},
                       param_groups=[dict(lr=1e-3, betas=(0.9, 0.999), params=[0])]),
        curriculum=dict(active_levels=2, best=None, wait=0, history=[[0, 1], [4, 2]]))


class _Exploit:
    """A pickle that runs code when loaded without weights_only."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def test_plain_torch_load_refuses_what_mmengine_stores(tmp_path):
    # The problem this module solves: without it resume fails under torch >= 2.6.
    path = str(tmp_path / 'iter_6.pth')
    torch.save(_mmengine_like_checkpoint(), path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


def test_toolkit_checkpoint_loads_through_mmengine(tmp_path):
    path = str(tmp_path / 'iter_6.pth')
    torch.save(_mmengine_like_checkpoint(), path)
    assert CheckpointLoader._get_checkpoint_loader(path) is load_from_local_weights_only
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['iter'] == 6
    assert ckpt['meta']['seed'] == 7
    hub = ckpt['message_hub']
    assert hub['log_scalars']['train/loss'].statistics('mean') == pytest.approx(6.5 / 3)
    assert hub['log_scalars']['train/loss'].statistics('min') == 1.5
    np.testing.assert_array_equal(hub['runtime_info']['table'], [0, 1, 2])
    assert ckpt['curriculum']['history'] == [[0, 1], [4, 2]]

    model = torch.nn.Module()
    model.weight = torch.nn.Parameter(torch.zeros(4))
    model.register_buffer('_active_levels', torch.tensor(1))
    load_checkpoint(model, path, map_location='cpu')
    assert model.weight.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert int(model._active_levels) == 2


def test_allowlist_is_only_active_during_the_call(tmp_path):
    path = str(tmp_path / 'iter_6.pth')
    torch.save(_mmengine_like_checkpoint(), path)
    _load_checkpoint(path)
    assert HistoryBuffer not in torch.serialization.get_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


def test_foreign_pickle_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, payload=_Exploit(str(marker))), path)
    with pytest.raises(pickle.UnpicklingError, match=r'asks for: io\.open'):
        _load_checkpoint(path)
    assert not marker.exists()


def test_getattr_stand_in_resolves_only_history_buffer_methods(tmp_path):
    class _GetattrExploit:
        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))

    path = str(tmp_path / 'sneaky.pth')
    torch.save(dict(x=_GetattrExploit()), path)
    with pytest.raises(pickle.UnpicklingError):
        _load_checkpoint(path)


def test_plain_state_dict_still_loads(tmp_path):
    path = str(tmp_path / 'weights.pth')
    torch.save(dict(weight=torch.ones(2)), path)
    assert _load_checkpoint(path)['weight'].tolist() == [1.0, 1.0]


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        _load_checkpoint('/nonexistent/ckpt.pth')


def test_atomic_write_replaces_whole_file(tmp_path):
    path = str(tmp_path / 'sub' / 'a.bin')
    atomic_write_bytes(b'first', path)
    atomic_write_bytes(b'second', path)
    assert open(path, 'rb').read() == b'second'
    assert os.listdir(tmp_path / 'sub') == ['a.bin']


def test_interrupted_write_keeps_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'a.bin')
    atomic_write_bytes(b'old', path)

    def crash(src, dst):
        raise KeyboardInterrupt  # as if the process died between write and rename

    monkeypatch.setattr(os, 'replace', crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(b'new but never complete', path)
    assert open(path, 'rb').read() == b'old'
    assert os.listdir(tmp_path) == ['a.bin']


def test_stale_temporaries_are_found(tmp_path):
    (tmp_path / '.tmp-iter_4.pth.abc').write_bytes(b'half')
    (tmp_path / 'iter_2.pth').write_bytes(b'whole')
    removed = remove_stale_temporaries(str(tmp_path))
    assert [os.path.basename(p) for p in removed] == ['.tmp-iter_4.pth.abc']
    assert os.listdir(tmp_path) == ['iter_2.pth']


def test_atomic_backend_is_selectable_by_backend_args(tmp_path):
    backend = get_file_backend(str(tmp_path), backend_args=dict(backend='local_atomic'))
    target = str(tmp_path / 'last_checkpoint')
    backend.put_text('iter_4.pth', target)
    backend.put(b'\x00\x01', str(tmp_path / 'x.pth'))
    assert open(target).read() == 'iter_4.pth'
    assert open(tmp_path / 'x.pth', 'rb').read() == b'\x00\x01'


def test_config_to_literals_keeps_data_and_names_objects(tmp_path):
    from mmengine.config import Config

    from hierembed.engine.checkpoint import config_to_literals
    cfg = Config(dict(a=(1, 2.5), b=dict(type='X', c=[None, True, 'x']), d={32: 64}))
    expected = dict(a=(1, 2.5), b=dict(type='X', c=[None, True, 'x']), d={32: 64})
    data = config_to_literals(cfg.to_dict())
    assert data == expected and type(data['b']) is dict
    assert config_to_literals(dict(type=HistoryBuffer)) == dict(
        type='mmengine.logging.history_buffer.HistoryBuffer')
    # plain literals: torch's weights-only unpickler reads them with no allowlist at all
    torch.save(data, str(tmp_path / 'c.pth'))
    assert torch.load(str(tmp_path / 'c.pth'), weights_only=True) == expected
