"""The benchmarks behind docs/performance.md and docs/data.md; each is run by its
``tools/benchmark_<name>.py``.

- :mod:`~hierembed.benchmarks.warp`: the warp's time and memory, three formulations,
- :mod:`~hierembed.benchmarks.train_step`: training steps per second per config and level,
- :mod:`~hierembed.benchmarks.loader`: pairs per second of the training pipeline per decoding
  (``tools/benchmark_data.py``),
- :mod:`~hierembed.benchmarks.startup`: the dataset's start-up on a large collection,
- :mod:`~hierembed.benchmarks.resume`: the cost of resuming at iteration N,
- :mod:`~hierembed.benchmarks.detect`: face and person detection per setting,
- :mod:`~hierembed.benchmarks.report`: every benchmark run, docs/performance.md written.
"""
