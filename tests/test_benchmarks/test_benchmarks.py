"""hierembed.benchmarks: the benchmarks compare formulations of one computation, which agree;
tools/benchmark_warp.py and tools/benchmark_detect.py run from their command lines."""
import json
import os.path as osp
import subprocess
import sys

import torch

from hierembed.benchmarks.warp import grid_sample_warp
from hierembed.ops import sparse_warp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_released_grid_sample_formulation_equals_sparse_warp():
    g = torch.Generator().manual_seed(0)
    prob = torch.rand(2, 5, 6, 7, generator=g, dtype=torch.float64, requires_grad=True)
    src = torch.stack((torch.randint(0, 9, (2, 5, 6, 7), generator=g),
                       torch.randint(0, 11, (2, 5, 6, 7), generator=g)), dim=2)
    image = torch.rand(2, 3, 9, 11, generator=g, dtype=torch.float64, requires_grad=True)
    ours = sparse_warp(prob, src, image)
    released = grid_sample_warp(prob, src, image)
    torch.testing.assert_close(ours, released)
    w = torch.randn(ours.shape, generator=g, dtype=torch.float64)
    for a, b in zip(torch.autograd.grad((ours * w).sum(), (prob, image)),
                    torch.autograd.grad((released * w).sum(), (prob, image))):
        torch.testing.assert_close(a, b)


def test_benchmark_warp_runs_and_formulations_agree(tmp_path):
    out = tmp_path / 'warp.json'
    subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'benchmark_warp.py'), '--sizes', '8',
                    '16', '--base-size', '8', '--batch', '2', '--repeats', '1', '--out',
                    str(out)], check=True, cwd=ROOT, capture_output=True)
    rows = json.loads(out.read_text())['rows']
    assert {(r['formulation'], r['size']) for r in rows} == {
        (f, s) for f in ('sparse', 'grid_sample', 'dense') for s in (8, 16)}
    by = {(r['formulation'], r['size']): r for r in rows}
    for form in ('grid_sample', 'dense'):
        assert abs(by[(form, 16)]['loss'] - by[('sparse', 16)]['loss']) < 1e-4
    assert by[('sparse', 16)]['levels'] == 2


def test_benchmark_detect_compares_settings_on_real_videos(tmp_path):
    """Two mp4s of a drawn face: every setting finds the face's track in each, and the
    benchmark reports each setting against the first."""
    sys.path.insert(0, osp.join(ROOT, 'tests', 'test_tools'))
    from converter_helpers import face_frame, write_mp4
    for name in ('a', 'b'):
        write_mp4(str(tmp_path / 'videos' / f'{name}.mp4'), 20, 160, 160, draw=face_frame)
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'benchmark_detect.py'),
                           str(tmp_path / 'videos'), '--settings', '160:1', '160:4'],
                          check=True, cwd=ROOT, capture_output=True, text=True)
    lines = proc.stdout.strip().splitlines()
    assert [line.split(':')[0].strip() for line in lines] == ['160', '160']
    assert '(1.0x the first)' in lines[0] and '(+0)' in lines[0]
    for line in lines:
        assert '2 tracks in 2 videos' in line
