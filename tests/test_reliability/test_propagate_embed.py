"""propagate.py and embed.py on bad anchors, bad options and bad checkpoints: one line each,
naming the file and the field, before anything is written."""
import json
import os.path as osp
import sys

import pytest
import torch
from reliability_helpers import REPO, assert_one_line, run_cli

sys.path.insert(0, osp.join(REPO, 'tests', 'test_tools'))
from test_propagate_tool import MODEL_CFG, _disc_video, _tiny_checkpoint  # noqa: E402


@pytest.fixture
def clip(tmp_path):
    video = str(tmp_path / 'clip.mp4')
    _disc_video(video, num_frames=6)
    return video, _tiny_checkpoint(tmp_path)


def _anchors(tmp_path, **content):
    path = tmp_path / 'anchors.json'
    path.write_text(json.dumps(dict(dict(keypoint_names=['centre']), **content)))
    return path


@pytest.mark.parametrize('content, expected', [
    (dict(frames={'0': [[float('nan'), 27.0]]}), ['frames', 'expected [x, y]']),
    (dict(frames={'0': [[30.0, 27.0]]}, box=[10, 10, 0, 0]), ['box', 'w, h > 0']),
    (dict(frames={'0': [[1e9, 27.0]]}), ['frames[0]', 'far outside the 96 x 54 frame']),
    (dict(frames={'9': [[30.0, 27.0]]}), ['frames[9]', 'frames 0 to 5']),
    (dict(frames={'0': [[30.0, 27.0]]}, box=[500, 10, 20, 20]), ['box', 'no area inside']),
])
def test_bad_anchors(clip, tmp_path, content, expected, capsys, monkeypatch):
    video, ckpt = clip
    anchors = _anchors(tmp_path, **content)
    status, err = run_cli('propagate.py', [video, '--checkpoint', ckpt, '--keypoints', anchors,
                                           '--out-dir', tmp_path / 'out'], capsys, monkeypatch)
    assert_one_line(status, err, 'propagate.py', str(anchors), *expected)
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('option, expected', [
    (['--max-videos', '0'], '--max-videos: at least 1'),
    (['--box', '0', '0', '0', '0'], '--box: X Y W H with W, H > 0'),
])
def test_bad_propagate_options(clip, tmp_path, option, expected, capsys, monkeypatch):
    _, ckpt = clip
    status, err = run_cli('propagate.py', ['--checkpoint', ckpt, '--data-root', tmp_path, *option],
                          capsys, monkeypatch)
    assert_one_line(status, err, 'propagate.py', expected)


def _edited_checkpoint(ckpt, dst, edit):
    state = torch.load(ckpt, weights_only=False)
    edit(state)
    torch.save(state, dst)
    return dst


@pytest.mark.parametrize('tool', ['propagate.py', 'embed.py'])
def test_nan_weights_are_refused(clip, tmp_path, tool, capsys, monkeypatch):
    video, ckpt = clip
    bad = _edited_checkpoint(ckpt, str(tmp_path / 'nan.pth'), lambda s: next(
        v for v in s['state_dict'].values() if v.is_floating_point()).fill_(float('nan')))
    args = ([video, '--checkpoint', bad, '--keypoints',
             _anchors(tmp_path, frames={'0': [[30.0, 27.0]]}), '--out-dir', tmp_path / 'out']
            if tool == 'propagate.py' else
            [video, '--checkpoint', bad, '--out', tmp_path / 'out' / 'z.npz'])
    status, err = run_cli(tool, args, capsys, monkeypatch)
    assert_one_line(status, err, tool, 'nan.pth', 'state_dict', 'NaN or inf')
    assert not (tmp_path / 'out').exists()


def test_a_stored_config_too_large_for_the_machine(clip, tmp_path, capsys, monkeypatch):
    """A stored encoder of embed_dim 1e8 (hundreds of GiB of weights) is refused before anything
    is allocated; one of 1e3 builds, and its weights, of another shape, are refused."""
    video, ckpt = clip
    assert 'embed_dim=16' in MODEL_CFG

    def dim(n):
        def edit(state):
            state['meta']['hierembed_cfg']['model']['encoder']['embed_dim'] = n
        return edit
    bad = _edited_checkpoint(ckpt, str(tmp_path / 'huge.pth'), dim(10 ** 8))
    status, err = run_cli('embed.py', [video, '--checkpoint', bad, '--out', tmp_path / 'z.npz'],
                          capsys, monkeypatch)
    assert_one_line(status, err, 'embed.py', 'huge.pth', 'model', 'GiB')
    other = _edited_checkpoint(ckpt, str(tmp_path / 'other.pth'), dim(1000))
    status, err = run_cli('embed.py', [video, '--checkpoint', other, '--out', tmp_path / 'z.npz'],
                          capsys, monkeypatch)
    assert_one_line(status, err, 'embed.py', 'other.pth', 'state_dict', 'size mismatch')
