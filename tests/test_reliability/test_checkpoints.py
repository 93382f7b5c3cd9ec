"""Checkpoints a careless or malicious source hands over, through the tools that read them.

Each case is a real file: crafted checkpoints that hold only tensors and strings (they pass the
weights-only loader) but whose config text would create a marker file if it were executed, and
files that are no checkpoint at all. The marker must never appear, and every message must name
the file and say why.
"""
import io
import os
import os.path as osp
import subprocess
import sys
import zipfile

import pytest
import torch
from mmengine.runner import load_checkpoint

import hierembed.engine  # noqa: F401  (registers the loader)
from hierembed.apis import checkpoint_config, init_embedder
from hierembed.apis.inference import CheckpointConfigError
from hierembed.engine.checkpoint import NotACheckpointError, load_from_local_weights_only

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TESTS)
ENGINE_TESTS = osp.join(TESTS, 'test_engine')
PROBE_TESTS = osp.join(TESTS, 'test_probe')
sys.path[:0] = [ENGINE_TESTS, PROBE_TESTS]
from probe_toys import ProbeToyEmbedder, toy_probe_cfg  # noqa: E402
from toy_modules import write_tiny_config  # noqa: E402

# Python that a config parser would run: it leaves a marker, then defines a usable model.
EVIL = ("__import__('pathlib').Path({marker!r}).touch()\n"
        "model = dict(type='ProbeToyEmbedder', input_size=32)\n")


def _env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join([ENGINE_TESTS, PROBE_TESTS, REPO]),
                NO_ALBUMENTATIONS_UPDATE='1', OMP_NUM_THREADS='1')


def _run(*args):
    return subprocess.run([sys.executable, *args], env=_env(), capture_output=True, text=True,
                          timeout=300)


def _probe_cfg(tmp_path) -> str:
    """The stand-in probe config without a model: the model config comes from the checkpoint."""
    from mmengine.config import Config
    cfg = toy_probe_cfg()
    del cfg['model']
    path = str(tmp_path / 'toy_probe.py')
    Config(cfg).dump(path)
    return path


def _toy_train_cfg(tmp_path, max_iters: int) -> str:
    """tools/train.py on the registered stand-ins: no data to generate."""
    return write_tiny_config(
        str(tmp_path / 'toy.py'), str(tmp_path / 'unused'), max_iters=max_iters, model='toy',
        ckpt_interval=max_iters,
        extra="train_dataloader['dataset'] = dict(_delete_=True, type='ToyPairDataset')")


def _crafted(tmp_path, name='evil.pth', **meta):
    """A checkpoint of the probe stand-in whose meta holds config text that leaves a marker."""
    marker = str(tmp_path / f'{name}.marker')
    text = EVIL.format(marker=marker)
    meta = {k: text if v is True else v for k, v in dict(dict(cfg=True, config=True), **meta)
            .items() if v is not None}
    path = str(tmp_path / name)
    torch.save({'state_dict': ProbeToyEmbedder().state_dict(), 'meta': meta}, path)
    return path, marker


# ------------------------------------------------------------------------- config text
def test_config_text_is_dropped_and_never_executed(tmp_path):
    path, marker = _crafted(tmp_path)
    ckpt = load_from_local_weights_only(path)
    assert 'cfg' not in ckpt['meta'] and 'config' not in ckpt['meta']
    assert ckpt['meta']['config_text_dropped'] == ['cfg', 'config']
    with pytest.raises(CheckpointConfigError) as err:
        checkpoint_config(path)
    msg = str(err.value)
    assert path in msg and 'never executes' in msg and 'meta.cfg' in msg
    assert '--train-config' in msg
    assert not osp.exists(marker)


def test_config_text_is_dropped_whatever_the_scheme(tmp_path):
    """A URL goes through another mmengine loader; the text goes all the same."""
    from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
    path, marker = _crafted(tmp_path)

    def load_from_test_scheme(filename, map_location=None):
        return torch.load(path, weights_only=True)

    CheckpointLoader.register_scheme('reliability-test://', loader=load_from_test_scheme)
    try:
        ckpt = _load_checkpoint('reliability-test://evil.pth')
    finally:
        del CheckpointLoader._schemes['reliability-test://']
    assert 'cfg' not in ckpt['meta'] and 'config' not in ckpt['meta']
    assert not osp.exists(marker)


def test_an_explicit_config_still_loads_the_weights(tmp_path):
    path, marker = _crafted(tmp_path)
    model = init_embedder(dict(model=dict(type='ProbeToyEmbedder', input_size=32)), path)
    assert isinstance(model, ProbeToyEmbedder) and not osp.exists(marker)


@pytest.mark.parametrize('type_name', ['subprocess.Popen', 'antigravity', 'os.system'])
def test_config_data_may_name_only_registered_components(tmp_path, type_name):
    """A data config is not code, but a registry imports any ``type`` it does not hold."""
    cfg = dict(model=dict(type='ProbeToyEmbedder', input_size=32,
                          init_cfg=dict(type=type_name, args=['touch', 'x'])))
    path, marker = _crafted(tmp_path, hierembed_cfg=cfg, cfg=None, config=None)
    with pytest.raises(CheckpointConfigError, match=r"model\.init_cfg\.type is '" + type_name):
        init_embedder(None, path)
    assert not osp.exists(marker)


def test_config_data_round_trips(tmp_path):
    cfg = dict(model=dict(type='ProbeToyEmbedder', input_size=32), work_dir='w')
    path, marker = _crafted(tmp_path, hierembed_cfg=cfg)
    assert checkpoint_config(path).to_dict() == cfg
    assert isinstance(init_embedder(None, path), ProbeToyEmbedder)
    assert not osp.exists(marker)


@pytest.mark.slow
def test_probe_tool_refuses_config_text(tmp_path):
    cfg_path = _probe_cfg(tmp_path)
    path, marker = _crafted(tmp_path)
    proc = _run(osp.join(REPO, 'tools', 'probe.py'), cfg_path, '--checkpoint', path,
                '--work-dir', str(tmp_path / 'work'), '--no-progress')
    assert proc.returncode == 2 and not osp.exists(marker)
    # one line (docs/reliability.md), the file named
    assert proc.stderr.startswith(f'probe.py: error: {path} ') and 'Traceback' not in proc.stderr
    assert 'never executes' in proc.stderr


@pytest.mark.slow
def test_propagate_tool_refuses_config_text(tmp_path):
    path, marker = _crafted(tmp_path)
    proc = _run(osp.join(REPO, 'tools', 'propagate.py'), '--checkpoint', path, '--data-root',
                str(tmp_path / 'nowhere'))
    assert proc.returncode != 0 and not osp.exists(marker)
    assert 'error:' in proc.stderr and 'never executes' in proc.stderr


@pytest.mark.slow
def test_train_resume_ignores_config_text(tmp_path):
    """mmengine's Runner.resume parses meta.config; the loader has removed it by then."""
    cfg = _toy_train_cfg(tmp_path, max_iters=2)
    work = str(tmp_path / 'run')
    first = _run(osp.join(REPO, 'tools', 'train.py'), cfg, '--work-dir', work)
    assert first.returncode == 0, first.stderr[-3000:]
    ckpt_path = osp.join(work, 'iter_2.pth')
    ckpt = load_from_local_weights_only(ckpt_path)
    assert 'hierembed_cfg' in ckpt['meta'] and 'config_text_dropped' not in ckpt['meta']
    assert ckpt['meta']['hierembed_cfg']['train_cfg']['max_iters'] == 2
    marker = str(tmp_path / 'resume.marker')
    ckpt['meta'].update(cfg=EVIL.format(marker=marker), config=EVIL.format(marker=marker))
    torch.save(ckpt, ckpt_path)
    proc = _run(osp.join(REPO, 'tools', 'train.py'), cfg, '--work-dir', work, '--resume',
                '--cfg-options', 'train_cfg.max_iters=3')
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert not osp.exists(marker)
    assert f"{ckpt_path}: ignored the config text in meta['cfg', 'config']" in out
    assert 'resumed epoch: 0, iter: 2' in out and 'Iter(train) [3/3]' in out


# ------------------------------------------------------------------------- not a checkpoint
def _real_checkpoint_bytes() -> bytes:
    buf = io.BytesIO()
    torch.save({'state_dict': ProbeToyEmbedder().state_dict(), 'meta': {}}, buf)
    return buf.getvalue()


def _half(data: bytes) -> bytes:
    return data[:len(data) // 2]


def _zip_of_text(path):
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr('notes.txt', 'hello')


@pytest.mark.parametrize('name,write,why', [
    ('empty.pth', lambda p: open(p, 'wb').close(), 'the file is empty (0 bytes)'),
    ('random.pth', lambda p: open(p, 'wb').write(os.urandom(4096)), 'neither a torch zip'),
    ('text.pth', lambda p: open(p, 'w').write('model = dict()\n' * 20), "starts with b'model ="),
    ('truncated.pth', lambda p: open(p, 'wb').write(_half(_real_checkpoint_bytes())),
     'truncated copy'),
    ('other.zip.pth', _zip_of_text, 'torch cannot read it'),
])
def test_not_a_checkpoint(tmp_path, name, write, why):
    path = str(tmp_path / name)
    write(path)
    for load in (load_from_local_weights_only,
                 lambda p: load_checkpoint(ProbeToyEmbedder(), p, map_location='cpu')):
        with pytest.raises(NotACheckpointError) as err:
            load(path)
        msg = str(err.value)
        assert msg.startswith(f'{path} is not a checkpoint') and why in msg, msg
        assert 'allowlist' not in msg


@pytest.mark.slow
def test_probe_tool_on_an_empty_file(tmp_path):
    cfg_path = _probe_cfg(tmp_path)
    path = str(tmp_path / 'empty.pth')
    open(path, 'wb').close()
    proc = _run(osp.join(REPO, 'tools', 'probe.py'), cfg_path, '--checkpoint', path,
                '--work-dir', str(tmp_path / 'work'), '--no-progress')
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert f'probe.py: error: {path} is not a checkpoint: the file is empty' in proc.stderr


@pytest.mark.slow
def test_resume_with_nothing_to_resume(tmp_path):
    cfg = _toy_train_cfg(tmp_path, max_iters=1)
    work = str(tmp_path / 'empty_run')
    proc = _run(osp.join(REPO, 'tools', 'train.py'), cfg, '--work-dir', work, '--resume')
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert out.count(f'--resume: nothing to resume in {work}') == 1
    assert 'latest checkpoint None' not in out and 'Iter(train) [1/1]' in out
