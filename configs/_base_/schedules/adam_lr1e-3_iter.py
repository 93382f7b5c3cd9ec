# The paper's optimiser (section 4): Adam, learning rate 1e-3, batch 16. Iteration-based: the
# curriculum adds levels on plateaus and then lowers the learning rate (CurriculumHook), so no
# param scheduler is needed; max_iters bounds the run.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
# SkipIterBasedTrainLoop: mmengine's loop, resuming without loading the skipped batches.
train_cfg = dict(type='SkipIterBasedTrainLoop', max_iters=200000)
