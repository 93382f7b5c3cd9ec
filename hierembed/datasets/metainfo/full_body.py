"""Procedural full body (the stand-in for Penn Action): the same 13 joints, in the same order."""
from hierembed.datasets.metainfo.penn_action import dataset_info as _penn

dataset_info = dict(_penn, dataset_name='full_body',
                    paper_info=dict(note='procedural stand-in for Penn Action'))
