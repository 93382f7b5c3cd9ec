# Real talking-head video (docs/data.md, "Real faces"): the face table's recipe
# (configs/experiments/schedule/face_r3_gap4_b8_2800it_lr5e-4.py: the CPU default's recipe, 2800
# iterations at batch 8, levels 2 and 3 at 0.4 and 0.7 of the run) on face tracks that
# tools/dataset_converters/video_folder.py found in a folder of videos:
#
#     python tools/dataset_converters/video_folder.py VIDEOS --out data/real_faces \
#         --detector face --subjects 1 --val-fraction 0 --test-fraction 0
#     python tools/prepare_frames.py data/real_faces --input-size 64
#     python tools/train.py configs/real_faces.py
#
# prepare_frames.py decodes the videos once into JPEGs just large enough for the 64-px crops:
# decoding 480-1280 px frames at random took the loader about 1.4 s a batch of 8 pairs.
#
# Probe it on labelled frames of other people with configs/probes/real_faces.py.
_base_ = ['./experiments/schedule/face_r3_gap4_b8_2800it_lr5e-4.py']
data_root = 'data/real_faces'
train_dataloader = dict(dataset=dict(data_root=data_root, procedural=None,
                                     ann_file='annotations/videos_train_frames.json'))
