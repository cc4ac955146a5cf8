"""docs/reproduce.md followed on the real COCO samples, laid out as
``$HM2PN_DATA/coco`` (symlinks in a temporary folder): HM2PN-W32 trained one
epoch at 128x96 with ``tools/dist_train.sh CFG 2`` (gloo on CPU), tested with
detector boxes, the test-dev switch writing the submission file, and the
results table of the work dir."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from hm2pn.evaluation.test_dev import SERVER_FIELDS
from tests.utils import REPO, free_port

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

CONFIG = 'configs/hm2pn_w32_coco_256x192.py'
#: docs/reproduce.md's CPU run: one epoch at 128x96, no SyncBN on CPU
TINY = [
    'sync_bn=None',
    'train_cfg.max_epochs=1',
    'train_dataloader.batch_size=2',
    'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.num_workers=0',
    'val_dataloader.persistent_workers=False',
    'test_dataloader.num_workers=0',
    'test_dataloader.persistent_workers=False',
    'model.head.decoder.input_size=(96,128)',
    'model.head.decoder.heatmap_size=(24,32)',
    'train_dataloader.dataset.pipeline.5.input_size=(96,128)',
    'train_dataloader.dataset.pipeline.6.encoder.input_size=(96,128)',
    'train_dataloader.dataset.pipeline.6.encoder.heatmap_size=(24,32)',
    'val_dataloader.dataset.pipeline.2.input_size=(96,128)',
    'test_dataloader.dataset.pipeline.2.input_size=(96,128)',
]


def layout_coco(samples: Path, root: Path) -> Path:
    """``root/coco`` in MMPose's layout, made of symlinks to the samples;
    the image info file of "test-dev" is the annotation file without
    annotations."""
    coco = root / 'coco'
    for sub in ('annotations', 'train2017', 'val2017', 'test2017', 'person_detection_results'):
        (coco / sub).mkdir(parents=True)
    for img in samples.glob('*.jpg'):
        for split in ('train2017', 'val2017', 'test2017'):
            (coco / split / img.name).symlink_to(img)
    ann = samples / 'test_coco.json'
    for split in ('train2017', 'val2017'):
        (coco / 'annotations' / f'person_keypoints_{split}.json').symlink_to(ann)
    dets = samples / 'test_coco_det_AP_H_56.json'
    results = coco / 'person_detection_results'
    (results / 'COCO_val2017_detections_AP_H_56_person.json').symlink_to(dets)
    (results / 'COCO_test-dev2017_detections_AP_H_609_person.json').symlink_to(dets)
    info = json.loads(ann.read_text())
    info.pop('annotations')
    (coco / 'annotations' / 'image_info_test-dev2017.json').write_text(json.dumps(info))
    return root


def run(args: List[str], env: dict) -> str:
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(args)} failed:\n{out[-6000:]}'
    return out


def metric_line(out: str) -> str:
    lines = [line for line in out.splitlines() if 'Epoch(test)' in line]
    assert lines, out[-3000:]
    return lines[-1]


def test_reproduce_guide_on_coco_samples(coco_samples, tmp_path):
    data = layout_coco(coco_samples, tmp_path / 'data')
    env = dict(
        os.environ,
        HM2PN_DATA=str(data),
        OMP_NUM_THREADS='1',
        PYTHON=sys.executable,
        PORT=free_port(),
    )
    work = tmp_path / 'work_dirs' / 'hm2pn_w32_coco_256x192'
    run(
        [
            'bash',
            'tools/dist_train.sh',
            CONFIG,
            '2',
            '--offline',
            '--work-dir',
            str(work),
            '--cfg-options',
            *TINY,
        ],
        env,
    )
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file(), sorted(p.name for p in work.iterdir())
    assert list(work.glob('best_coco_AP_epoch_1.pth')), 'best checkpoint kept'

    test = [sys.executable, 'tools/test.py', CONFIG, str(ckpt), '--offline']
    # (the guide's --gt-bbox switch: tests/tools/test_train_e2e.py)
    det = metric_line(
        run([*test, '--work-dir', str(work / 'test_det-bbox'), '--cfg-options', *TINY], env)
    )
    print(f'\ndetector boxes: {det}')
    assert 'coco/AP:' in det

    out = run(
        [*test, '--test-dev', '--work-dir', str(work / 'test-dev'), '--cfg-options', *TINY], env
    )
    sub = work / 'test-dev' / 'person_keypoints_test-dev2017_hm2pn-w32-coco-256x192_results.json'
    records = json.loads(sub.read_text())
    print(f'{sub.name}: {len(records)} records, first: {records[0]}')
    assert 'test-dev submission:' in out
    assert all(tuple(r) == SERVER_FIELDS for r in records)
    assert all(len(r['keypoints']) == 17 * 3 and r['category_id'] == 1 for r in records)
    image_ids = {
        p['id'] for p in json.loads((coco_samples / 'test_coco.json').read_text())['images']
    }
    assert {r['image_id'] for r in records} <= image_ids

    table = run([sys.executable, 'tools/analysis/results_table.py', str(work)], env)
    print(table)
    assert 'detector (COCO_val2017_detections_AP_H_56_person.json)' in table
