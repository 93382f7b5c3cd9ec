"""What ``tools/train.py`` does besides parsing: config merging and the distributed set-up.

mmengine handles distributed training on GPUs by itself. On a machine without CUDA three things
in mmengine 0.10.7 stand in the way (measured, docs/training.md): its process-group init calls
``torch.cuda.set_device``; its default DDP wrapper passes ``device_ids=[LOCAL_RANK]``, which DDP
rejects for CPU modules; and gloo may abort a rank at interpreter exit unless the group is torn
down. ``init_distributed`` and ``teardown_distributed`` take care of these, so the same scripts
(``tools/dist_train.sh``, ``tools/slurm_train.sh``) train on CPUs with gloo, one process per
"GPU".
"""
import os
import os.path as osp
import subprocess
import warnings
from datetime import timedelta
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log

__all__ = ['flush_denormals_to_zero', 'init_distributed', 'prepare_train_cfg',
           'teardown_distributed']

LAUNCHERS = ('none', 'pytorch', 'slurm')


def run_name(cfg: Config, config_path: str) -> str:
    """The name of a config's runs: its file's stem; with ``name_by_data = True`` (a config
    for one's own data, configs/own_videos.py) followed by ``_`` and the folder name of
    ``train_dataloader.dataset.data_root``, so that two datasets never share a work dir."""
    name = osp.splitext(osp.basename(config_path))[0]
    data_root = ((cfg.get('train_dataloader') or {}).get('dataset') or {}).get('data_root')
    if cfg.get('name_by_data') and data_root:
        name = f'{name}_{osp.basename(osp.normpath(data_root))}'
    return name


def prepare_train_cfg(cfg: Config,
                      config_path: str,
                      work_dir: Optional[str] = None,
                      resume: Optional[str] = None,
                      amp: bool = False,
                      launcher: str = 'none') -> Config:
    """Apply the command line of ``tools/train.py`` to a loaded config (mmpose semantics).

    Args:
        cfg: the config, ``--cfg-options`` already merged.
        config_path: the config file; its stem names the default work dir.
        work_dir: ``--work-dir``; else ``cfg.work_dir``; else ``./work_dirs/<run name>``
            (:func:`run_name`: the config's stem, and its data's folder name with
            ``name_by_data``).
        resume: ``None`` (no ``--resume``), ``'auto'`` (``--resume`` alone: the latest
            checkpoint of the work dir) or a checkpoint path.
        amp: ``--amp``: mixed precision through mmengine's ``AmpOptimWrapper`` (GPU only; on a
            machine without CUDA it is ignored with a warning).
        launcher: ``'none'``, ``'pytorch'`` or ``'slurm'``.

    Returns:
        ``cfg``, modified in place.
    """
    if 'find_unused_parameters' not in cfg:
        cfg.find_unused_parameters = _starts_with_inactive_levels(cfg)
    if launcher not in LAUNCHERS:
        raise ValueError(f'launcher must be one of {LAUNCHERS}, got {launcher!r}')
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', run_name(cfg, config_path))

    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif resume is not None:
        cfg.resume = True
        cfg.load_from = resume

    if amp:
        if not torch.cuda.is_available():
            warnings.warn('--amp needs CUDA; training in float32 on this machine.')
        elif cfg.optim_wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            warnings.warn('--amp: the config already uses AmpOptimWrapper.')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    return cfg


def flush_denormals_to_zero() -> bool:
    """Make this process compute subnormal floats as zero (``torch.set_flush_denormal``).

    Process-wide, hence a call of its own in ``tools/train.py``. Once trained, the softmaxes
    over thousands of candidates hold subnormal floats, which the CPU computes with slowly: a
    step of the CPU default after 700 iterations took 1.58 s with them and 0.70 s flushed to
    zero (1 thread, batch 16, docs/research/first_rounds.md, section 4). Values that small do not
    matter.

    Returns:
        Whether the CPU supports it (x86 with SSE3).
    """
    return torch.set_flush_denormal(True)


def _starts_with_inactive_levels(cfg: Config) -> bool:
    """Whether some warp level gets no gradient at the start (DDP must then find unused ones).

    A run starts with ``model.active_levels`` levels, or the ``CurriculumHook``'s
    ``start_levels``; while fewer than ``model.warp_head.num_levels`` are active the levels
    above hold unused parameters. DDP's reducer fixes the flag when it is built, so a run that
    starts with one level keeps the search (one traversal of the autograd graph per step) after
    the curriculum has activated the rest. Unknown sizes: True, the safe answer.
    """
    model = cfg.get('model', {})
    num_levels = model.get('warp_head', {}).get('num_levels')
    starts = [model.get('active_levels', num_levels)]
    starts += [h.get('start_levels', 1) for h in cfg.get('custom_hooks', [])
               if h.get('type') == 'CurriculumHook']
    if num_levels is None or any(s is None for s in starts):
        return True
    return min(starts) < num_levels


def _slurm_environment() -> None:
    """Export the torch.distributed variables from SLURM's (what ``srun`` gives each task)."""
    missing = [k for k in ('SLURM_PROCID', 'SLURM_NTASKS') if k not in os.environ]
    if missing:
        from hierembed.errors import ConfigError
        raise ConfigError(f'{", ".join(missing)} not set: start it with srun '
                          '(tools/slurm_train.sh), or use --launcher none',
                          field='--launcher slurm')
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    if 'MASTER_ADDR' not in os.environ:
        nodes = os.environ['SLURM_NODELIST']
        first = subprocess.check_output(['scontrol', 'show', 'hostname', nodes], text=True)
        os.environ['MASTER_ADDR'] = first.split()[0]
    os.environ.setdefault('MASTER_PORT', '29500')


def init_distributed(cfg: Config) -> bool:
    """Prepare ``cfg`` for its launcher and, on CPU, initialise the gloo process group.

    With CUDA nothing is initialised here (mmengine's Runner does it with the config's
    ``env_cfg.dist_cfg``). Without CUDA, and with a launcher other than ``'none'``:

    - the process group is initialised with gloo from the launcher's environment (``torchrun``
      sets ``RANK``/``WORLD_SIZE``/``MASTER_*``; under SLURM they are derived from
      ``SLURM_PROCID``, ``SLURM_NTASKS``, ``SLURM_NODELIST``), so the Runner finds it ready;
    - ``model_wrapper_cfg`` gets ``device_ids=None`` (CPU DDP) and keeps
      ``find_unused_parameters`` (levels not yet in the curriculum get no gradient);
    - ``sync_bn`` is dropped (SyncBatchNorm needs a GPU);
    - the collective timeout is ``env_cfg.dist_cfg.timeout`` (seconds, default 1800).

    Args:
        cfg: the training config (``cfg.launcher`` set).

    Returns:
        True when this call initialised a process group (pair it with ``teardown_distributed``).
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher == 'slurm':
        _slurm_environment()
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    wrapper = dict(type='MMDistributedDataParallel', broadcast_buffers=False,
                   find_unused_parameters=cfg.get('find_unused_parameters', True))
    wrapper.update(cfg.get('model_wrapper_cfg') or {})
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if cfg.get('sync_bn') is not None:
        print_log('sync_bn needs CUDA (SyncBatchNorm rejects CPU tensors): on CPU each process '
                  'keeps its own BatchNorm statistics.', logger='current')
        cfg.sync_bn = None
    if torch_dist.is_initialized():
        return False
    torch_dist.init_process_group(backend='gloo', init_method='env://',
                                  timeout=timedelta(seconds=dist_cfg.get('timeout', 1800)))
    return True


def teardown_distributed() -> None:
    """Barrier, then destroy the process group, so that no rank exits while others still talk.

    Without it gloo aborts a rank at interpreter exit in about 3 runs in 10
    (``terminate called without an active exception``).
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
