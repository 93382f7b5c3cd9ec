"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

Thin, in the mmpose manner: parse, merge, ``HierembedRunner.from_cfg(cfg).train()`` under the
work dir's lock. Everything else lives in ``hierembed.engine`` (docs/training.md); a user error
prints one line and exits 2 (``--debug``: the traceback; docs/reliability.md).
"""
import argparse
import os
import os.path as osp
import sys
from contextlib import nullcontext

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from hierembed.engine import init_distributed, prepare_train_cfg, teardown_distributed  # noqa: E402
from hierembed.engine.launch import flush_denormals_to_zero  # noqa: E402
from hierembed.engine.runner import HierembedRunner, work_dir_lock  # noqa: E402
from hierembed.engine.train_checks import check_train_cfg  # noqa: E402
from hierembed.utils import register_all_modules  # noqa: E402
from hierembed.utils.cli import CfgOptionsAction, load_config, merge_options, run_tool  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a hierembed model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: ./work_dirs/<config name>)')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from CKPT, or from the latest checkpoint of the work dir '
                        'when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (GPU only)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config entries, key=value (e.g. '
                        'train_cfg.max_iters=100 train_dataloader.batch_size=8)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none',
                        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK instead.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = load_config(args.config)
    file_keys = list(cfg.keys())
    merge_options(cfg, args.cfg_options, args.config)
    prepare_train_cfg(cfg, args.config, work_dir=args.work_dir, resume=args.resume,
                      amp=args.amp, launcher=args.launcher)
    flush_denormals_to_zero()  # process-wide: subnormal floats slow the CPU step down
    check_train_cfg(cfg, args.config, [k.split('.')[0] for k in args.cfg_options or {}],
                    file_keys)
    init_distributed(cfg)
    # rank 0 holds the work dir's lock; the other ranks of the run share it (a RANK left in the
    # environment does not make a single-process run skip it)
    first_rank = args.launcher == 'none' or int(os.environ.get('RANK', '0')) == 0
    with work_dir_lock(cfg.work_dir) if first_rank else nullcontext():
        runner = HierembedRunner.from_cfg(cfg)
        runner.train()
        del runner
    teardown_distributed()


if __name__ == '__main__':
    run_tool(main)
