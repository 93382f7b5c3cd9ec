"""reproduce.py rerun after a row's training was killed: the row is resumed to its last
iteration, never kept at the iteration it reached (docs/reliability.md)."""
from types import SimpleNamespace

import pytest

from hierembed.research import reproduce as mod


@pytest.fixture
def reproduce(monkeypatch):
    calls = []
    monkeypatch.setattr(mod, 'run', lambda cmd, log: calls.append(cmd) or (1.0, 1.0))
    monkeypatch.setattr(mod, 'calls', calls, raising=False)
    return mod


def _row(reproduce, tmp_path, reached: str, iters: int = 40):
    name = next(iter(reproduce.ROWS))
    wd = tmp_path / reproduce.tag_of(name, 0)
    wd.mkdir(parents=True)
    (wd / 'row_config.py').write_text(f'train_cfg = dict(max_iters={iters})\n')
    (wd / 'last_checkpoint').write_text(f'/elsewhere/{reached}')
    args = SimpleNamespace(work_dir=str(tmp_path), iters=iters, config='unused.py',
                           experiment_paths={})
    return name, args


@pytest.mark.parametrize('reached', ['iter_10.pth', 'iter_39.pth', 'epoch_3.pth'])
def test_a_row_killed_before_its_end_is_resumed(reproduce, tmp_path, reached, capsys):
    name, args = _row(reproduce, tmp_path, reached)
    reproduce.train_row(args, name, 0)
    assert len(reproduce.calls) == 1 and reproduce.calls[0][-1] == '--resume'
    assert 'resuming' in capsys.readouterr().out


def test_a_finished_row_is_kept(reproduce, tmp_path, capsys):
    name, args = _row(reproduce, tmp_path, 'iter_40.pth')
    reproduce.train_row(args, name, 0)
    assert reproduce.calls == [] and 'trained before, kept' in capsys.readouterr().out
