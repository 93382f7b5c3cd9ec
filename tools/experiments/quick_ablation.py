"""Quick ablation harness behind docs/learning.md: train a ClassEmbedder variant, probe it.

A plain training loop (no Runner, no hooks) for a fixed number of iterations or minutes on a
procedural class, then a small self-contained probe (2-layer MLP and linear heads on the
standardised embedding, PCK at 0.05 and 0.1 of max(bbox w, h)) for the trained encoder, the
same architecture at random init, and the mean pose. It exists to compare model variants
quickly; tools/probe.py is the evaluation of record.

    python tools/experiments/quick_ablation.py --data data/ub --iters 700 --tag ph_only \
        --opts '{"warp_head": {"confidence": null}, "reconstruction_loss": {"type": "PhotometricLoss"}, "cycle_loss": null}'
"""
import argparse, json, time, copy, sys
import os.path as osp
import numpy as np, torch
from mmengine.config import Config
from hierembed.utils import register_all_modules
register_all_modules()
from hierembed.registry import MODELS, DATASETS

p = argparse.ArgumentParser()
p.add_argument('--data', default='/tmp/ub')
p.add_argument('--minutes', type=float, default=5)
p.add_argument('--iters', type=int, default=10**9)
p.add_argument('--levels', type=int, default=1)
p.add_argument('--switch', type=str, default='')  # e.g. "400,800" iterations to add levels
p.add_argument('--cfg', default='configs/_base_/models/hierembed_cpu.py')
p.add_argument('--opts', default='{}')
p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--batch', type=int, default=16)
p.add_argument('--max-gap', type=int, default=50)
p.add_argument('--jitter', default='default')
p.add_argument('--seed', type=int, default=0)
p.add_argument('--out', default='work_dirs/quick_ablation/results.jsonl')
p.add_argument('--tag', default='')
a = p.parse_args()
torch.manual_seed(a.seed)
torch.set_num_threads(int(__import__("os").environ.get("THREADS", "1")))
cfg = Config.fromfile(a.cfg)
mcfg = cfg.model.to_dict()
def deep(d, u):
    for k, v in u.items():
        if isinstance(v, dict) and isinstance(d.get(k), dict): deep(d[k], v)
        else: d[k] = v
deep(mcfg, json.loads(a.opts))
model = MODELS.build(mcfg)
rand_model = copy.deepcopy(model)
model.active_levels = a.levels
dkw = dict(type='VideoPairDataset', data_root=a.data, split='train', input_size=model.input_size, max_gap=a.max_gap)
if a.jitter == 'none': dkw['jitter'] = None
ds = DATASETS.build(dkw)
from mmengine.dataset import default_collate
class Inf(torch.utils.data.Sampler):
    def __iter__(self):
        g = torch.Generator().manual_seed(a.seed)
        while True:
            yield from torch.randperm(len(ds), generator=g).tolist()
dl = torch.utils.data.DataLoader(ds, batch_size=a.batch, sampler=Inf(), num_workers=1, collate_fn=default_collate, persistent_workers=True)
opt = torch.optim.Adam(model.parameters(), lr=a.lr)
switch = [int(s) for s in a.switch.split(',') if s]
t0 = time.time(); it = 0; hist = []
model.train()
for batch in dl:
    if time.time() - t0 > a.minutes * 60 or it >= a.iters: break
    x = model.data_preprocessor(batch, True)['inputs']
    if it in switch and model.active_levels < model.num_levels:
        model.active_levels += 1
    losses = model(x, mode='loss')
    loss = sum(v for k, v in losses.items() if k.startswith('loss'))
    opt.zero_grad(); loss.backward(); opt.step()
    hist.append({k: float(v.detach()) for k, v in losses.items()})
    if it % 50 == 0:
        w = hist[-50:]
        print(it, f'{time.time()-t0:.0f}s', ' '.join(f'{k}={np.mean([h[k] for h in w if k in h]):.3f}' for k in hist[-1]), flush=True)
    it += 1
train_time = time.time() - t0
__import__('os').makedirs(osp.dirname(a.out) or '.', exist_ok=True)
torch.save(dict(state_dict=model.state_dict(), cfg=mcfg), osp.join(osp.dirname(a.out), f'{a.tag}.pth'))

# probe
kp = {s: DATASETS.build(dict(type='KeypointDataset', data_root=a.data, split=s, input_size=model.input_size, norm_type='bbox', norm_kwargs=dict(factor=1.0))) for s in ['train', 'val', 'test']}
def feats(m, d):
    m.eval()
    out, kps, vis, norms = [], [], [], []
    with torch.no_grad():
        for i in range(0, len(d), 64):
            ss = [d[j] for j in range(i, min(len(d), i + 64))]
            imgs = torch.stack([s['img'] for s in ss]).float() / 255
            out.append(m.embed(imgs))
            kps += [torch.as_tensor(s['keypoints']) for s in ss]; vis += [torch.as_tensor(s['keypoints_visible']) for s in ss]; norms += [float(s['norm']) for s in ss]
    return torch.cat(out), torch.stack(kps).float() / model.input_size, torch.stack(vis), torch.tensor(norms) / model.input_size
def probe(F, hidden=256, epochs=400):
    (ftr, ktr, vtr, _), (fva, kva, vva, nva), (fte, kte, vte, nte) = F
    mu, sd = ftr.mean(0), ftr.std(0) + 1e-6
    ftr, fva, fte = [(f - mu) / sd for f in (ftr, fva, fte)]
    K = ktr.shape[1]
    best = None
    for wd in [1e-4, 1e-2]:
        torch.manual_seed(0)
        head = torch.nn.Sequential(torch.nn.Linear(ftr.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, K * 2)) if hidden else torch.nn.Linear(ftr.shape[1], K * 2)
        o = torch.optim.Adam(head.parameters(), 1e-3, weight_decay=wd)
        mtr = (vtr > 0).float().unsqueeze(-1)
        for ep in range(epochs):
            perm = torch.randperm(len(ftr))
            for i in range(0, len(ftr), 256):
                idx = perm[i:i+256]
                pred = head(ftr[idx]).view(-1, K, 2)
                l = (((pred - ktr[idx]) ** 2) * mtr[idx]).sum() / mtr[idx].sum()
                o.zero_grad(); l.backward(); o.step()
        with torch.no_grad():
            pv = pck(head(fva).view(-1, K, 2), kva, vva, nva, 0.05)
            pt = [pck(head(fte).view(-1, K, 2), kte, vte, nte, t) for t in (0.05, 0.1)]
        if best is None or pv > best[0]: best = (pv, pt)
    return best[1]
def pck(pred, k, v, n, thr=0.2):
    d = (pred - k).norm(dim=-1); ok = (d <= thr * n[:, None]).float(); m = (v > 0).float()
    per = (ok * m).sum(0) / m.sum(0).clamp(min=1)
    return float(per.mean() * 100)
res = dict(tag=a.tag, iters=it, train_s=train_time, opts=a.opts, levels=model.active_levels, final={k: float(np.mean([h[k] for h in hist[-50:] if k in h])) for k in hist[-1]})
for name, m in [('trained', model), ('random', rand_model)]:
    F = [feats(m, kp[s]) for s in ['train', 'val', 'test']]
    res[name + '_mlp'] = probe(F)
    res[name + '_lin'] = probe(F, hidden=0)
ktr = F[0][1]; vtr = F[0][2]; mean = (ktr * (vtr > 0).float().unsqueeze(-1)).sum(0) / (vtr > 0).float().sum(0).unsqueeze(-1)
res['mean_pose'] = [pck(mean.expand_as(F[2][1]), F[2][1], F[2][2], F[2][3], t) for t in (0.05, 0.1)]
print(json.dumps(res))
with open(a.out, 'a') as f: f.write(json.dumps(res) + '\n')
