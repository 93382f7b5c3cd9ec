# docs/research/levels_and_losses.md, section 16: the CPU default's three-level row (batch 8 at
# 5e-4, 2800 iterations, levels at 1120 and 1960) with the finer levels combined in the log domain
# (HierarchicalWarpHead(combine='log'), not in the paper): P^r = ln A^{r-1}(parent) + M^r instead
# of Eq. 4's A^{r-1}(parent) * M^r. Under the product, zero logits give all 4K candidates the
# same share, and a child of an improbable parent keeps the logit of an even share; in the log
# domain a finer level starts as the coarser warp upsampled and refines it. At the default
# the finer levels do not beat copying the frame (level 3: 1.01 of the identity's error on
# training pairs, 3.6 effective candidates against level 1's 1.1), and r=3 adds 0.6 PCK@6px
# over r=1: does a finer level that starts where the coarser one is teach the limbs?
_base_ = ['../schedule/upper_body_r3_gap4_b8_2800it_lr5e-4.py']
model = dict(warp_head=dict(combine='log'))
