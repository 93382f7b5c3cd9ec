# The paper's horse embedding (section 4 and 5.1.4) on real TigDog: the paper model (256 x 256
# input, levels 32 -> 64 -> 128, K = 9), Adam lr 1e-3, batch 16, lambda = 1, pairs at most 50
# frames apart, no stand-in. Needs TigDog converted into data/horse
# (python -m plugins.horse.convert /data/TigDog --out data/horse), or tigdog_root set.
_base_ = [
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/models/hierembed_paper.py',
    './_base_/datasets/tigdog_horse.py',
    '../../../configs/_base_/schedules/adam_lr1e-3_iter.py',
]
input_size = 256
train_dataloader = dict(
    num_workers=4,
    dataset=dict(input_size=input_size, procedural=None))
