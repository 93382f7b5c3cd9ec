# The CPU-size model: the paper's design at 64 x 64 input (a 6-layer encoder still ends at
# 1 x 1, D = 256), warp from W_1 = 16 (dense) to 64 x 64 in three levels, K = 9.
model = dict(
    type='ClassEmbedder',
    data_preprocessor=dict(type='PairDataPreprocessor'),
    encoder=dict(type='ConvEncoder', input_size=64, embed_dim=256),
    warp_head=dict(
        type='HierarchicalWarpHead',
        base_size=16,
        num_levels=3,
        topk=9,
        max_channels=128,
        # narrower than the paper's 128/64 at 32/64 px: the two decoders' convs at full
        # resolution are most of a CPU step
        channels={32: 64, 64: 32},
        confidence='per_level',
        sigma_beta=0.1),
    reconstruction_loss=dict(type='LaplaceConfidenceLoss'),
    cycle_loss=dict(type='CycleLoss', loss_weight=1.0),
    active_levels=1)
