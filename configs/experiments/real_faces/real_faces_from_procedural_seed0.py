# docs/research/real_faces.md, section 21: procedural, then real. The procedural face's table
# recipe (face_r3_gap4_b8_2800it_lr5e-4_96ids.py, training seed 0, trained by the section's
# first command into work_dirs/real_faces_procedural) continued for 700 iterations on the real
# talking heads with pairs from the whole track (real_faces_whole_track.py), all three levels
# active from the start (the procedural run ended with all three). Read against that same
# checkpoint, paired per probe seed.
_base_ = ['./real_faces_whole_track.py']
load_from = ('work_dirs/real_faces_procedural/face_r3_gap4_b8_2800it_lr5e-4_96ids_seed0/'
             'iter_2800.pth')
train_cfg = dict(max_iters=700)
custom_hooks = [
    # levels 2 and 3 join at iterations 1 and 2: the three levels train from the start
    dict(type='CurriculumHook', milestones=[1, 2], interval=50, patience=1000),
    dict(type='WarpVisualizationHook', interval=-1, max_samples=4),
    dict(type='ThroughputHook'),
]
