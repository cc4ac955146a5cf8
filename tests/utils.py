"""Helpers for reading what an MMEngine run left in its work directory."""
import json
from pathlib import Path
from typing import Dict, List

COCO_METRIC_KEYS = ('coco/AP', 'coco/AP .5', 'coco/AP .75', 'coco/AP (M)',
                    'coco/AP (L)', 'coco/AR', 'coco/AR .5', 'coco/AR .75',
                    'coco/AR (M)', 'coco/AR (L)')
SMOKE_CONFIG = 'configs/smoke/hrnet_tiny_coco_96x64.py'


def read_scalars(work_dir: Path) -> List[Dict]:
    """All records of the newest ``vis_data/scalars.json`` under a work dir."""
    files = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    assert files, f'no vis_data/scalars.json under {work_dir}'
    with open(files[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]
