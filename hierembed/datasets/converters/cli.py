"""What every converter script's command line shares: ``--help`` that prints the script's
docstring as written (where the data is obtained, the files expected), and one way to run and
report."""
import argparse
import inspect
import json
import logging
import os.path as osp
import sys
from typing import Callable, Optional


class _HelpFormatter(argparse.RawDescriptionHelpFormatter,
                     argparse.ArgumentDefaultsHelpFormatter):
    pass


def converter_parser(doc: str) -> argparse.ArgumentParser:
    """A converter's argument parser whose ``--help`` prints ``doc`` as written and the
    defaults."""
    return argparse.ArgumentParser(description=doc, formatter_class=_HelpFormatter)


def empty_splits(summary: dict) -> list:
    """The splits of a converter's summary that hold nothing while another holds something."""
    counts = {s: sum(v.values()) for s, v in summary.items()
              if isinstance(v, dict) and {'videos', 'images'} <= set(v)}
    return [s for s, n in counts.items() if n == 0] if any(counts.values()) else []


def run_converter(convert: Callable[..., dict], *args,
                  next_steps: Optional[Callable[[dict], str]] = None, **kwargs) -> int:
    """Call ``convert(root, out, *options)`` with INFO logging; print its summary as JSON and
    return 0, or print ``<converter>: error: ...`` (a missing file, a malformed field, a detector
    this OpenCV lacks, nothing converted, an ``out`` written from another root or with other
    options: :mod:`.provenance`) and return 2. On stderr (stdout stays the JSON): a warning per
    empty split, and ``next_steps(summary)``, the commands to run next."""
    from hierembed.errors import DataError
    from hierembed.utils.cli import expected_errors, one_line
    from .provenance import check_provenance, converted_count, record_provenance
    from .tracking import DetectorUnavailableError
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    tool = osp.basename(inspect.getsourcefile(convert) or 'converter')
    # converters are called as convert(root, out, *options)
    root, out, options = (list(args) + [None, None])[:2] + [[*args[2:], kwargs]]
    recorded = isinstance(root, str) and isinstance(out, str)
    try:
        if recorded:
            check_provenance(tool, root, out, options)
        summary = convert(*args, **kwargs)
        if converted_count(summary) == 0:
            raise DataError(f'nothing was converted (no video or labelled image found; '
                            f'{json.dumps(summary)}): check the layout that --help describes',
                            file=root)
        if recorded:
            record_provenance(tool, root, out, options)
    except (ValueError, DetectorUnavailableError) + expected_errors() as e:
        print(f'{tool}: error: {one_line(e)}', file=sys.stderr)
        return 2
    print(json.dumps(summary))
    for split in empty_splits(summary):
        why = ('nothing to train on' if split == 'train' else 'nothing is held out there (too '
               'few identities for the fractions asked, or none of its source folders found)')
        print(f'warning: the {split} split is empty: {why}', file=sys.stderr)
    if next_steps is not None:
        print(next_steps(summary), file=sys.stderr)
    return 0
