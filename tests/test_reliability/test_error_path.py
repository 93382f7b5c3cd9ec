"""The one error path of the command-line tools (hierembed.utils.cli.run_tool): an expected
error is one line, ``tool: error: ...``, status 2; ``--debug`` or HIEREMBED_DEBUG=1 shows the
traceback; anything else keeps its traceback. One real command per tool family."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from reliability_helpers import REPO, assert_one_line, run_cli

from hierembed.errors import CheckpointError, ConfigKeyError, DataError, HierembedError
from hierembed.utils.cli import DEBUG_ENV, run_tool


def _exit(main, argv, monkeypatch, capsys, env=None):
    monkeypatch.setattr(sys, 'argv', ['tool.py', *argv])
    if env is not None:
        monkeypatch.setenv(DEBUG_ENV, env)
    with pytest.raises(SystemExit) as exit_:
        run_tool(main)
    return exit_.value.code, capsys.readouterr().err


def _raise(err):
    def main():
        raise err
    return main


@pytest.mark.parametrize('err, line', [
    (HierembedError('do this', file='a.py', field='key'), 'a.py: key: do this'),
    (DataError('two\nlines', file='b.json'), 'b.json: two; lines'),
    (CheckpointError('bad', file='c.pth'), 'c.pth: bad'),
    (ConfigKeyError("'x' Did you mean 'y'?"), "'x' Did you mean 'y'?"),
    (FileNotFoundError(2, 'No such file or directory', 'd.txt'), 'd.txt'),
])
def test_an_expected_error_is_one_line(err, line, monkeypatch, capsys):
    status, out = _exit(_raise(err), [], monkeypatch, capsys)
    assert_one_line(status, out, 'tool.py', line)


@pytest.mark.parametrize('how', ['flag', 'env'])
def test_debug_shows_the_traceback(how, monkeypatch, capsys):
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    main = _raise(DataError('x', file='f'))
    monkeypatch.setattr(sys, 'argv', ['tool.py', *(['--debug'] if how == 'flag' else [])])
    if how == 'env':
        monkeypatch.setenv(DEBUG_ENV, '1')
    with pytest.raises(DataError):
        run_tool(main)
    assert '--debug' not in sys.argv


def test_an_unexpected_error_keeps_its_traceback(monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', ['tool.py'])
    with pytest.raises(ZeroDivisionError):
        run_tool(_raise(ZeroDivisionError('a bug')))


@pytest.mark.parametrize('returned, status', [(None, 0), (0, 0), (3, 3), ({'a': 1}, 0),
                                              (True, 0)])
def test_the_exit_status(returned, status, monkeypatch, capsys):
    assert _exit(lambda: returned, [], monkeypatch, capsys)[0] == status


def _tool(*args, env=None):
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, NO_ALBUMENTATIONS_UPDATE='1',
                                                OMP_NUM_THREADS='1', **(env or {})))


# One command per tool family, in this process through the tool's main and run_tool.
FAMILIES = [
    (['tools/train.py', 'configs/synthetic_upper_body.py', '--cfg-options',
      'train_cfg.max_iters=0'], 'train.py', 'train_cfg.max_iters: must be an integer >= 1'),
    (['tools/probe.py', 'configs/probes/synthetic_upper_body.py', '--cfg-options',
      'probe_cfg.epochs=0'], 'probe.py', 'probe_cfg.epochs'),
    (['tools/check_dataset.py', 'configs/synthetic_upper_body.py', '--cfg-options',
      'train_dataloader.dataset.data_root={tmp}', 'train_dataloader.dataset.procedural=None'],
     'check_dataset.py', '{tmp}/annotations/videos_train.json'),
    (['tools/make_synthetic.py', '--object-class', 'face', '--out', '{tmp}', '--num-videos', '1'],
     'make_synthetic.py', '--num-videos must be at least 3'),
    (['tools/prepare_frames.py', '{tmp}', '--input-size', '64'], 'prepare_frames.py',
     '{tmp}/annotations/videos_train.json'),
    (['tools/reproduce.py', '--probe-only', '--work-dir', '{tmp}'], 'reproduce.py',
     'no trained rows'),
    (['tools/dataset_converters/penn_action.py', '{tmp}/nothing', '--out', '{tmp}/out'],
     'penn_action.py', '{tmp}/nothing'),
]


@pytest.mark.parametrize('args, prog, what', FAMILIES, ids=[f[1] for f in FAMILIES])
def test_each_tool_family_prints_one_line(args, prog, what, tmp_path, capsys, monkeypatch):
    tmp = str(tmp_path)
    monkeypatch.chdir(REPO)
    status, err = run_cli(osp.relpath(args[0], 'tools'), [a.format(tmp=tmp) for a in args[1:]],
                          capsys, monkeypatch)
    assert_one_line(status, err, prog, what.format(tmp=tmp))


# benchmark_detect.py (issue 33, being written) is to end in run_tool(main) too.
OWN_PATH = ()


def _tools(folder):
    """The scripts of ``tools/<folder>`` that git tracks (a file being written is not yet one)."""
    listed = subprocess.run(['git', 'ls-files', f'tools/{folder}'], cwd=REPO, text=True,
                            capture_output=True).stdout.split()
    return [osp.join(REPO, p) for p in listed if p.endswith('.py') and
            osp.dirname(p) == osp.normpath(f'tools/{folder}')]


def test_every_tool_ends_in_run_tool():
    tools = _tools('') + _tools('experiments')
    assert len(tools) > 10
    for path in tools:
        if osp.basename(path) in OWN_PATH:
            continue
        text = open(path).read()
        tail = text[text.index("if __name__ == '__main__':"):]
        assert 'run_tool(main)' in tail, f'{path}: end it with run_tool(main) (docs/reliability.md)'
    for path in _tools('dataset_converters'):
        assert 'return run_converter(' in open(path).read(), path


def test_a_real_tool_through_its_main_block(tmp_path):
    proc = _tool('tools/train.py', str(tmp_path / 'nothing.py'))
    assert_one_line(proc.returncode, proc.stderr, 'train.py', 'nothing.py: no such config file')


def test_debug_on_a_real_tool(tmp_path):
    proc = _tool('tools/train.py', str(tmp_path / 'nothing.py'), '--debug')
    assert proc.returncode == 1 and 'Traceback (most recent call last)' in proc.stderr
    assert 'FileNotFoundError' in proc.stderr


def test_a_failing_demo_step_is_one_line(capsys):
    import runpy
    step = runpy.run_path(osp.join(REPO, 'tools', 'demo.py'))['step']
    with pytest.raises(HierembedError, match=r'render: the step failed \(exit 3'):
        step('render', [sys.executable, '-c', 'import sys; sys.exit(3)'])


# Command-line values out of range: argparse's one line ('tool: error: ...', status 2).
ARGUMENTS = [
    ('tools/make_synthetic.py', ['--object-class', 'face', '--out', '{tmp}', '--num-frames', '0'],
     '--num-frames must be at least 1'),
    ('tools/make_synthetic.py', ['--object-class', 'face', '--out', '{tmp}', '--size', '8'],
     '--size must be at least 16'),
    ('tools/make_synthetic.py', ['--object-class', 'face', '--out', '{tmp}',
                                 '--keypoint-stride', '0'], '--keypoint-stride must be at least 1'),
    ('tools/make_synthetic.py', ['--object-class', 'horse', '--out', '{tmp}'], 'invalid choice'),
    ('tools/prepare_frames.py', ['{tmp}', '--input-size', '0'], '--input-size must be at least 8'),
    ('tools/prepare_frames.py', ['{tmp}', '--quality', '101'], '--quality must be at least 1'),
    ('tools/prepare_frames.py', ['{tmp}', '--workers', '0'], '--workers must be at least 1'),
    ('tools/reproduce.py', ['--jobs', '0', '--work-dir', '{tmp}'], '--jobs must be at least 1'),
    ('tools/reproduce.py', ['--iters', '0', '--work-dir', '{tmp}'], '--iters must be at least 1'),
    ('tools/reproduce.py', ['--seeds', '-1', '--work-dir', '{tmp}'], '--seeds must be integers'),
    ('tools/reproduce.py', ['--rows', '--work-dir', '{tmp}'], 'nothing to run'),
    ('tools/reproduce.py', ['--experiments', '{tmp}/none.py', '--work-dir', '{tmp}'],
     'no such config'),
    ('tools/probe.py', ['configs/probes/synthetic_upper_body.py', '--baselines', 'foo'],
     'invalid choice'),
    ('tools/probe.py', ['configs/probes/synthetic_upper_body.py', '--train-config',
                        '{tmp}/none.py'], '{tmp}/none.py'),
    ('tools/probe.py', ['configs/probes/synthetic_upper_body.py', '--checkpoint',
                        '{tmp}/none.pth'], '{tmp}/none.pth'),
    ('tools/probe.py', ['configs/probes/synthetic_upper_body.py', '--launcher', 'pytorch'],
     '--launcher: pytorch is not supported'),
    ('tools/probe.py', ['configs/probes/synthetic_upper_body.py', '--work-dir', '{tmp}'],
     'configs/probes/synthetic_upper_body.py: has no `model`: give --checkpoint'),
    ('tools/probe.py', ['configs/probes/synthetic_upper_body.py', '--baselines', 'mean_pose',
                        '--train-config', 'configs/synthetic_upper_body.py', '--work-dir',
                        '{tmp}'], 'nothing to probe'),
    ('tools/check_dataset.py', ['configs/synthetic_upper_body.py', '--probe-config',
                                '{tmp}/none.py'], '{tmp}/none.py'),
    ('tools/check_dataset.py', ['configs/synthetic_upper_body.py', '--cfg-options',
                                'train_dataloader.batch_size'], 'has no value'),
]


@pytest.mark.parametrize('tool, args, what', ARGUMENTS,
                         ids=[f'{osp.basename(t)}:{" ".join(a[-2:])}' for t, a, _ in ARGUMENTS])
def test_command_line_values(tool, args, what, tmp_path, capsys, monkeypatch):
    tmp = str(tmp_path)
    monkeypatch.chdir(REPO)
    status, err = run_cli(osp.relpath(tool, 'tools'), [a.format(tmp=tmp) for a in args], capsys,
                          monkeypatch)
    assert_one_line(status, err, osp.basename(tool), what.format(tmp=tmp))
