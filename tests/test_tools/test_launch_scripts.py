"""tools/dist_train.sh and tools/slurm_train.sh find the project's .venv without PYTHON=."""
import os
import shutil
import stat
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _recorder(path, log):
    """An executable that writes its name and arguments, one a line, to ``log``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "$0" > {log}\nfor a in "$@"; do echo "$a" >> {log}; done\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def checkout(tmp_path):
    """A copy of the two scripts in a project folder whose .venv python records its call."""
    root = tmp_path / 'project'
    (root / 'tools').mkdir(parents=True)
    for name in ('dist_train.sh', 'slurm_train.sh'):
        shutil.copy(os.path.join(REPO, 'tools', name), root / 'tools' / name)
    log = tmp_path / 'called'
    _recorder(root / '.venv' / 'bin' / 'python', log)
    _recorder(tmp_path / 'bin' / 'srun', log)  # srun records, it does not run the task
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHON', 'VIRTUAL_ENV')}
    env['PATH'] = f'{tmp_path / "bin"}{os.pathsep}{env["PATH"]}'
    return root, log, env


def test_dist_train_uses_the_project_venv(checkout):
    root, log, env = checkout
    subprocess.run(['bash', str(root / 'tools' / 'dist_train.sh'), 'cfg.py', '2'], env=env,
                   check=True)
    called = log.read_text().splitlines()
    assert called[0] == str(root / '.venv' / 'bin' / 'python')
    assert called[1:3] == ['-m', 'torch.distributed.run']
    # an activated environment wins over the project's .venv: python on the PATH
    _recorder(root / 'active' / 'bin' / 'python', log)
    path = f'{root / "active" / "bin"}{os.pathsep}{env["PATH"]}'
    subprocess.run(['bash', str(root / 'tools' / 'dist_train.sh'), 'cfg.py', '2'],
                   env=dict(env, VIRTUAL_ENV=str(root / 'active'), PATH=path), check=True)
    assert log.read_text().splitlines()[0] == str(root / 'active' / 'bin' / 'python')


def test_slurm_train_uses_the_project_venv(checkout):
    root, log, env = checkout
    subprocess.run(['bash', str(root / 'tools' / 'slurm_train.sh'), 'part', 'job', 'cfg.py'],
                   env=env, check=True)
    called = log.read_text().splitlines()
    i = called.index(str(root / '.venv' / 'bin' / 'python'))
    assert called[i + 1:i + 4] == ['-u', str(root / 'tools' / 'train.py'), 'cfg.py']
