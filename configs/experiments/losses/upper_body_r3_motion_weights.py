# docs/research/levels_and_losses.md, section 17: the CPU default's three-level row (batch 8 at
# 5e-4, 2800 iterations, levels at 1120 and 1960) with Eq. 6 weighted per pixel by how much the two
# clean frames differ there (LaplaceConfidenceLoss(motion_floor=0.1), not in the paper; every
# image's weights average 1, an unchanged pixel keeps 0.1 / 1.1 of the mean). On training
# pairs the limbs are 4 % of the pixels and carry 11-12 % of the difference between the frames
# (section 16 (a)), the background about two thirds (section 6): does a loss that follows the
# motion teach the limbs?
# The floor is set once, not tuned.
_base_ = ['../schedule/upper_body_r3_gap4_b8_2800it_lr5e-4.py']
model = dict(reconstruction_loss=dict(motion_floor=0.1))
