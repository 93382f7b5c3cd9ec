"""Checkpoint files that are damaged inside: each refused by the loader with the file named and
advice that fits (no "allowlist them" for a pickle that is merely broken)."""
import io
import pickle
import zipfile

import pytest
import torch

import hierembed.engine  # noqa: F401  (registers the loader)
from hierembed.engine.checkpoint import (NotACheckpointError, UnsafeCheckpointError,
                                         load_from_local_weights_only)
from hierembed.errors import CheckpointError


def _archive(tmp_path, pickle_bytes):
    """A torch zip archive whose data.pkl is replaced by ``pickle_bytes``."""
    buf = io.BytesIO()
    torch.save({'state_dict': {'w': torch.ones(2)}, 'meta': {'iter': 1}}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    path = str(tmp_path / 'ckpt.pth')
    with zipfile.ZipFile(path, 'w') as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, pickle_bytes if info.filename.endswith('data.pkl') else data)
    return path


class _Evil:
    def __reduce__(self):
        import os
        return os.system, ('true',)


@pytest.mark.parametrize('payload', [b'garbage', b'\x80\x02}q\x00(', b'',
                                     b'\x80\x04\x95\xff\xff\xff\x00'],
                         ids=['text', 'cut-dict', 'empty', 'bad-frame'])
def test_a_broken_pickle_is_not_a_checkpoint(tmp_path, payload):
    path = _archive(tmp_path, payload)
    with pytest.raises(NotACheckpointError) as err:
        load_from_local_weights_only(path)
    msg = str(err.value)
    assert msg.startswith(f'{path} is not a checkpoint') and 'allowlist' not in msg, msg


def test_a_pickle_asking_for_code_is_refused_with_what_it_asks(tmp_path):
    path = _archive(tmp_path, pickle.dumps({'x': _Evil()}, protocol=2))
    with pytest.raises(UnsafeCheckpointError) as err:
        load_from_local_weights_only(path)
    assert str(err.value).startswith(path) and 'system' in str(err.value)
    assert isinstance(err.value, pickle.UnpicklingError) and isinstance(err.value, CheckpointError)


def test_a_folder_is_not_a_checkpoint(tmp_path):
    with pytest.raises(NotACheckpointError, match='is a folder, not a checkpoint'):
        load_from_local_weights_only(str(tmp_path))
