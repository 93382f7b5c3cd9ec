# The paper's model (section 4): 256 x 256 input, 8-layer encoder to D = 256, warp from
# W_1 = 32 (dense) to 128 x 128 in three levels, K = 9, Laplace confidence per level,
# cycle loss with lambda = 1.
model = dict(
    type='ClassEmbedder',
    data_preprocessor=dict(type='PairDataPreprocessor'),
    encoder=dict(type='ConvEncoder', input_size=256, embed_dim=256),
    warp_head=dict(
        type='HierarchicalWarpHead',
        base_size=32,
        num_levels=3,
        topk=9,
        confidence='per_level',
        sigma_beta=0.1),
    reconstruction_loss=dict(type='LaplaceConfidenceLoss'),
    cycle_loss=dict(type='CycleLoss', loss_weight=1.0),
    active_levels=1)
