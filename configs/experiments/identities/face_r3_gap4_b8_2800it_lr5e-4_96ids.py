# docs/research/more_identities.md, sections 18-19 (run in section 19): the untouched-class check of
# upper_body_r3_gap4_b8_2800it_lr5e-4_400ids.py. The default's recipe on 96 videos of 30 frames
# instead of 24 x 120 (the same 2880 frames; four times the identities, as 400 x 25 is for the
# upper body), in the data_root of face_r3_jitter_colour_96ids.py (the same videos).
# Since section 20 the default's own r=3 row (configs/synthetic_face.py resolves to the same
# model, data and schedule): docs/results_face.md was regenerated from this config's three runs.
_base_ = ['../schedule/face_r3_gap4_b8_2800it_lr5e-4.py']
train_dataloader = dict(
    dataset=dict(
        data_root='data/synthetic_face_96x30',
        procedural=dict(num_videos=96, num_frames=30)))
