"""Plugin folders shipped with the toolkit: ``plugins/<name>`` is importable as
``plugins.<name>`` when the repository root is on ``sys.path`` (tools/train.py, tools/probe.py and
tools/dist_train.sh put it there). A config loads one with
``custom_imports = dict(imports=['plugins.<name>'], allow_failed_imports=False)``; see
docs/plugins.md."""
