"""Quick ablation harness of docs/research/first_rounds.md: train a ClassEmbedder variant, probe it.

A plain training loop (no Runner, no hooks) for a fixed number of iterations or minutes on a
procedural class, then a small self-contained probe (2-layer MLP and linear heads on the
standardised embedding, PCK at 0.05 and 0.1 of max(bbox w, h)) of the trained encoder, of the
same architecture at random init, and of the mean pose. It exists to compare model variants
quickly; ``tools/probe.py`` is the evaluation of record.

    python tools/experiments/quick_ablation.py --data data/ub --iters 700 --tag ph_only \
        --opts '{"warp_head": {"confidence": null},
                 "reconstruction_loss": {"type": "PhotometricLoss"}, "cycle_loss": null}'
"""
import argparse
import copy
import json
import os
import os.path as osp
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate

from hierembed.models.data_preprocessors import images_to_float
from hierembed.registry import DATASETS, MODELS
from hierembed.utils import register_all_modules


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', default='data/synthetic_upper_body')
    p.add_argument('--cfg', default='configs/_base_/models/hierembed_cpu.py')
    p.add_argument('--opts', default='{}', help='JSON merged into the model config')
    p.add_argument('--iters', type=int, default=700)
    p.add_argument('--minutes', type=float, default=20)
    p.add_argument('--levels', type=int, default=1)
    p.add_argument('--switch', default='', help='iterations that add a level, e.g. 300,500')
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--max-gap', type=int, default=50)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--tag', default='run')
    p.add_argument('--out', default='work_dirs/quick_ablation/results.jsonl')
    return p.parse_args()


def merge(base: dict, update: dict) -> dict:
    for k, v in update.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base


def train(model, args):
    ds = DATASETS.build(dict(type='VideoPairDataset', data_root=args.data, split='train',
                             input_size=model.input_size, max_gap=args.max_gap))
    gen = torch.Generator().manual_seed(args.seed)
    order = torch.utils.data.RandomSampler(ds, replacement=True, num_samples=10**9,
                                           generator=gen)
    loader = torch.utils.data.DataLoader(ds, batch_size=args.batch, sampler=order,
                                         num_workers=1, collate_fn=default_collate)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    switch = [int(s) for s in args.switch.split(',') if s]
    hist, t0 = [], time.time()
    model.train()
    for it, batch in enumerate(loader):
        if it >= args.iters or time.time() - t0 > args.minutes * 60:
            break
        if it in switch and model.active_levels < model.num_levels:
            model.active_levels += 1
        losses = model(model.data_preprocessor(batch, True)['inputs'], mode='loss')
        loss = sum(v for k, v in losses.items() if k.startswith('loss'))
        opt.zero_grad()
        loss.backward()
        opt.step()
        hist.append({k: float(v.detach()) for k, v in losses.items()})
        if it % 50 == 0:
            window = hist[-50:]
            means = {k: np.mean([h[k] for h in window if k in h]) for k in hist[-1]}
            print(it, f'{time.time() - t0:.0f}s',
                  ' '.join(f'{k}={v:.3f}' for k, v in means.items()), flush=True)
    final = {k: float(np.mean([h[k] for h in hist[-50:] if k in h])) for k in hist[-1]}
    return len(hist), time.time() - t0, final


@torch.no_grad()
def features(model, ds):
    model.eval()
    feats, kps, vis, norms = [], [], [], []
    for i in range(0, len(ds), 64):
        samples = [ds[j] for j in range(i, min(len(ds), i + 64))]
        imgs = images_to_float(torch.stack([s['img'] for s in samples]))
        feats.append(model.embed(imgs))
        kps += [torch.as_tensor(s['keypoints']) for s in samples]
        vis += [torch.as_tensor(s['keypoints_visible']) for s in samples]
        norms += [float(s['norm']) for s in samples]
    s = model.input_size
    return (torch.cat(feats), torch.stack(kps).float() / s, torch.stack(vis),
            torch.tensor(norms) / s)


def pck(pred, kps, vis, norm, thr):
    ok = ((pred - kps).norm(dim=-1) <= thr * norm[:, None]).float()
    mask = (vis > 0).float()
    return float(((ok * mask).sum(0) / mask.sum(0).clamp(min=1)).mean() * 100)


def probe(splits, hidden=256, epochs=400):
    (ftr, ktr, vtr, _), (fva, kva, vva, nva), (fte, kte, vte, nte) = splits
    mu, sd = ftr.mean(0), ftr.std(0) + 1e-6
    ftr, fva, fte = [(f - mu) / sd for f in (ftr, fva, fte)]
    k = ktr.shape[1]
    mask = (vtr > 0).float().unsqueeze(-1)
    best = None
    for wd in (1e-4, 1e-2):
        torch.manual_seed(0)
        head = (torch.nn.Sequential(torch.nn.Linear(ftr.shape[1], hidden), torch.nn.ReLU(),
                                    torch.nn.Linear(hidden, k * 2))
                if hidden else torch.nn.Linear(ftr.shape[1], k * 2))
        opt = torch.optim.Adam(head.parameters(), 1e-3, weight_decay=wd)
        for _ in range(epochs):
            perm = torch.randperm(len(ftr))
            for i in range(0, len(ftr), 256):
                idx = perm[i:i + 256]
                err = ((head(ftr[idx]).view(-1, k, 2) - ktr[idx])**2) * mask[idx]
                loss = err.sum() / mask[idx].sum()
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            val = pck(head(fva).view(-1, k, 2), kva, vva, nva, 0.05)
            test = [pck(head(fte).view(-1, k, 2), kte, vte, nte, t) for t in (0.05, 0.1)]
        if best is None or val > best[0]:
            best = (val, test)
    return best[1]


def main():
    args = parse_args()
    register_all_modules()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # as tools/train.py does (hierembed/engine/launch.py)
    cfg = merge(Config.fromfile(args.cfg).model.to_dict(), json.loads(args.opts))
    model = MODELS.build(cfg)
    random_model = copy.deepcopy(model)
    model.active_levels = args.levels
    iters, train_s, final = train(model, args)
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(), cfg=cfg),
               osp.join(osp.dirname(args.out), f'{args.tag}.pth'))

    sets = {s: DATASETS.build(dict(type='KeypointDataset', data_root=args.data, split=s,
                                   input_size=model.input_size, norm_type='bbox',
                                   norm_kwargs=dict(factor=1.0)))
            for s in ('train', 'val', 'test')}
    res = dict(tag=args.tag, iters=iters, train_s=train_s, opts=args.opts,
               levels=model.active_levels, final=final)
    for name, m in (('trained', model), ('random', random_model)):
        splits = [features(m, sets[s]) for s in ('train', 'val', 'test')]
        res[name + '_mlp'] = probe(splits)
        res[name + '_lin'] = probe(splits, hidden=0)
    ktr, vtr = splits[0][1], splits[0][2]
    m = (vtr > 0).float().unsqueeze(-1)
    mean = (ktr * m).sum(0) / m.sum(0)
    _, kte, vte, nte = splits[2]
    res['mean_pose'] = [pck(mean.expand_as(kte), kte, vte, nte, t) for t in (0.05, 0.1)]
    print(json.dumps(res))
    with open(args.out, 'a') as f:
        f.write(json.dumps(res) + '\n')


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
