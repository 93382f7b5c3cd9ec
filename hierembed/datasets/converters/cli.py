"""What every converter script's command line shares: ``--help`` that prints the script's
docstring as written (where the data is obtained, the files expected), and one way to run and
report."""
import argparse
import json
import logging
import sys
from typing import Callable


class _HelpFormatter(argparse.RawDescriptionHelpFormatter,
                     argparse.ArgumentDefaultsHelpFormatter):
    pass


def converter_parser(doc: str) -> argparse.ArgumentParser:
    """A converter's argument parser whose ``--help`` prints ``doc`` as written and the
    defaults."""
    return argparse.ArgumentParser(description=doc, formatter_class=_HelpFormatter)


def run_converter(convert: Callable[..., dict], *args, **kwargs) -> int:
    """Call ``convert`` with INFO logging; print its summary as JSON and return 0, or print
    ``error: ...`` (a missing file, a malformed field, a detector this OpenCV lacks) and
    return 1."""
    from .tracking import DetectorUnavailableError
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    try:
        summary = convert(*args, **kwargs)
    except (FileNotFoundError, ValueError, DetectorUnavailableError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(json.dumps(summary))
    return 0
