"""Constants shared by the tests, and the scalars reader they use."""
from hm2pn.utils.scalars import read_scalars  # noqa: F401

COCO_METRIC_KEYS = ('coco/AP', 'coco/AP .5', 'coco/AP .75', 'coco/AP (M)',
                    'coco/AP (L)', 'coco/AR', 'coco/AR .5', 'coco/AR .75',
                    'coco/AR (M)', 'coco/AR (L)')
SMOKE_CONFIG = 'configs/smoke/hrnet_tiny_coco_96x64.py'

