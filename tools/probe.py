"""Probe a trained embedding: ``python tools/probe.py CONFIG --checkpoint CKPT [options]``.

Thin: parse, merge ``--cfg-options``, call :func:`hierembed.apis.run_probe`, which embeds the
probe set with the frozen encoder and the baselines, trains the downstream heads, scores test
and writes ``results.json``, ``results.md`` and ``vis/*.png`` into the work dir (docs/probe.md).
"""
import argparse
import os
import os.path as osp
import sys

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402
from rich.console import Console  # noqa: E402

from hierembed.apis import KNOWN_BASELINES, run_probe  # noqa: E402
from hierembed.errors import ConfigError  # noqa: E402
from hierembed.probe.checks import check_probe_config  # noqa: E402
from hierembed.probe.report import print_tables  # noqa: E402
from hierembed.utils import register_all_modules  # noqa: E402
from hierembed.utils.cli import CfgOptionsAction, load_config, merge_options, run_tool  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Probe a hierembed embedding with downstream '
                                     'landmark and visibility heads (paper section 5)')
    parser.add_argument('config', help='probe config file (configs/probes/...)')
    parser.add_argument('--checkpoint', help='the trained embedder; without it only the '
                        'baselines are probed')
    parser.add_argument('--train-config', help='the training config of the checkpoint: the '
                        'encoder is built from its `model` (default: the probe config\'s `model`, '
                        'else the config stored in the checkpoint)')
    parser.add_argument('--work-dir', help='where results go (default: '
                        './work_dirs/probes/<config name>)')
    parser.add_argument('--baselines', nargs='*', choices=KNOWN_BASELINES,
                        help=f'baselines to probe as well (default: the config\'s `baselines`, '
                        f'else all of {", ".join(KNOWN_BASELINES)}); give none to skip them')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='device of the encoders (heads train on the CPU)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config entries, key=value (e.g. probe_cfg.epochs=100)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none',
                        help='only none: the probe runs in one process (one GPU embeds a probe '
                        'set in minutes); a launcher is refused rather than leaving the other '
                        'ranks in a barrier until the collective timeout kills them')
    parser.add_argument('--no-progress', action='store_true', help='no progress bars (the '
                        'tables, warnings and result paths are printed all the same)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.launcher != 'none':
        raise ConfigError(f'{args.launcher} is not supported: the probe runs in one process; '
                          'start it with python, not torchrun or srun, and pick the GPU with '
                          '--device cuda:N', field='--launcher')
    register_all_modules(init_default_scope=False)
    cfg = load_config(args.config)
    file_keys = list(cfg.keys())
    merge_options(cfg, args.cfg_options, args.config)
    check_probe_config(cfg, args.config, [k.split('.')[0] for k in args.cfg_options or {}],
                       file_keys)
    if cfg.get('model') is None and args.checkpoint is None and args.train_config is None:
        raise ConfigError('has no `model`: give --checkpoint CKPT (its stored config builds the '
                          'encoder) or --train-config CONFIG', file=args.config)
    work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs/probes', osp.splitext(osp.basename(args.config))[0])
    results = run_probe(cfg, args.checkpoint, work_dir, baselines=args.baselines,
                        device=args.device, progress=not args.no_progress,
                        config_path=args.config, train_config=args.train_config)
    if args.no_progress:  # run_probe prints the tables (and caveats) only with progress
        print_tables(results, Console(force_terminal=False, width=160))
    vis = results['meta'].get('visualizations') or []
    print(f'results: {osp.join(work_dir, "results.md")} (tables), '
          f'{osp.join(work_dir, "results.json")} (every number)')
    if vis:
        print(f'pictures: {len(vis)} in {osp.join(work_dir, osp.dirname(vis[0]))}')
    return results


if __name__ == '__main__':
    run_tool(main)
