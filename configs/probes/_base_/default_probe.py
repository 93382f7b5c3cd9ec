# What every probe shares (paper section 5): the encoder is frozen and only a regressor is
# trained on its embedding, a linear layer ("lin") or a 2-layer perceptron ("2 lr"); the
# visibility classifiers (section 5.2) come in the same two capacities. Baselines: the same
# architecture with random weights, and the mean pose of the training split (no image at all).
#
# Used by tools/probe.py CONFIG --checkpoint CKPT; the model is rebuilt from the checkpoint's
# training config unless the probe config gives a `model`. See docs/probe.md.
default_scope = 'hierembed'

# Per split, what is added to `probe_dataset`; a split set to None does not exist, and val is
# then carved out of train (probe_cfg.val_fraction).
probe_splits = dict(train=dict(split='train'), val=dict(split='val'), test=dict(split='test'))

heads = dict(
    linear=dict(type='LinearLandmarkHead', loss=dict(type='MaskedKeypointLoss', mode='mse')),
    mlp=dict(type='MLPLandmarkHead', hidden_dim=256,
             loss=dict(type='MaskedKeypointLoss', mode='mse')))
visibility_heads = dict(
    linear=dict(type='VisibilityHead', hidden_dim=None),
    mlp=dict(type='VisibilityHead', hidden_dim=256))

baselines = ['random_init', 'mean_pose']

# The `supervised` baseline (the ceiling): model.encoder + the `mlp` head trained end to end on
# the probe's train split (masked MSE), the epoch chosen on val with probe_cfg.select_on.
supervised_cfg = dict(epochs=6, batch_size=32, lr=1e-3, weight_decay=0.0, seed=0,
                      num_threads=1)

probe_cfg = dict(
    epochs=300,
    batch_size=256,
    lr=1e-3,
    weight_decay=[0.0, 1e-4, 1e-2],  # chosen on val, with the epoch
    val_interval=1,
    patience=20,
    seeds=1,  # probe seeds (count or list): random-init weights, heads' init, batch order
    select_on=None,  # val metric for epoch and weight decay; None: the first of `metrics`
    val_fraction=0.1,  # of train held out as val when the set has no val split
    val_group=None,  # an image field (e.g. 'identity'): val takes whole groups of it
    embed_batch_size=64,
    num_workers=0,
    cache=True,
    cache_dir=None,  # default: <work_dir>/feature_cache
    num_vis_images=8,
    init_from_mean=True,
    num_threads=1)
