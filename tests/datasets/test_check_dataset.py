"""Bad data: tools/analysis/check_dataset.py names every bad file/record of a
COCO-format dataset, and the training path (the preflight of tools/train.py
and the DatasetCheckHook of the configs, one check) stops at start or warns
instead of crashing mid-epoch or skipping silently. Every bad case is built
in tmp_path from copies of the real COCO samples."""

import json
import logging
import runpy
import shutil
import sys
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmpose.registry import DATASETS

import hm2pn  # noqa: F401
from hm2pn.datasets import DatasetError, check_built_dataset
from hm2pn.runtime import preflight, read_config
from tests.utils import REPO, SMOKE_CONFIG

MISSING, TRUNCATED = '000000040083.jpg', '000000196141.jpg'


@pytest.fixture(autouse=True)
def _fresh_logger(request):
    """A current MMLogger bound to this test's captured stdout (a logger
    created in an earlier test writes to a closed stream)."""
    MMLogger.get_instance(f'test-{request.node.name}', log_level='INFO')


@pytest.fixture
def broken(coco_samples, tmp_path):
    """A copy of the samples with one instance of every kind of problem."""
    root = tmp_path / 'coco'
    shutil.copytree(coco_samples, root)
    (root / MISSING).unlink()
    data = (root / TRUNCATED).read_bytes()
    (root / TRUNCATED).write_bytes(data[: len(data) // 2])
    ann = json.loads((root / 'test_coco.json').read_text())
    people = [a for a in ann['annotations'] if a['num_keypoints'] > 0]
    people[0]['keypoints'] = people[0]['keypoints'][:48]  # 16 keypoints
    people[1]['bbox'][2] = 0.0  # zero width
    people[2]['bbox'][3] = -5.0  # negative height
    (root / 'test_coco.json').write_text(json.dumps(ann))
    dets = json.loads((root / 'test_coco_det_AP_H_56.json').read_text())
    dets.append(dict(dets[0], image_id=999999))
    (root / 'test_coco_det_AP_H_56.json').write_text(json.dumps(dets))
    return root, people, len(dets) - 1


def _check(*args) -> SimpleNamespace:
    """Run tools/analysis/check_dataset.py in-process (fast): its exit status
    and what it printed."""
    tool = str(REPO / 'tools/analysis/check_dataset.py')
    capture = _Capture()
    old_argv, old_stdout = sys.argv, sys.stdout
    sys.argv, sys.stdout = [tool, *map(str, args)], capture
    try:
        runpy.run_path(tool, run_name='__main__')
        code = 0
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv, sys.stdout = old_argv, old_stdout
    return SimpleNamespace(returncode=code, stdout=''.join(capture.parts))


class _Capture:
    def __init__(self) -> None:
        self.parts = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        pass


def test_check_dataset_reports_every_problem(broken):
    root, people, det_idx = broken
    ann, det = root / 'test_coco.json', root / 'test_coco_det_AP_H_56.json'
    proc = _check(ann, root, '--det-file', det)
    print('\n' + proc.stdout)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    expected = [
        f'ERROR   {root / MISSING} [images[1] id=40083]: image file missing',
        f'ERROR   {root / TRUNCATED} [images[2] id=196141]: corrupt or truncated image',
    ]
    assert any(line.startswith(expected[0]) for line in lines), lines
    assert any(line.startswith(expected[1]) for line in lines), lines
    kpt = [ln for ln in lines if 'keypoints has 48 values, expected 51' in ln]
    assert len(kpt) == 1 and f'id={people[0]["id"]} ' in kpt[0]
    zero = [ln for ln in lines if 'zero-area or negative box' in ln]
    assert sorted(ln.split(' id=')[1].split()[0] for ln in zero) == sorted(
        str(p['id']) for p in people[1:3]
    )
    assert all(ln.startswith('WARNING') for ln in zero)
    assert any(
        ln.startswith(
            f'ERROR   {det} [detections[{det_idx}] '
            'image_id=999999]: image_id not in the '
            'annotation file'
        )
        for ln in lines
    ), lines
    assert lines[-1].startswith('6 problem(s): 4 error(s), 2 warning(s)')


@pytest.mark.parametrize(
    'content, message',
    [
        ('{"images": [', 'not valid JSON (Expecting value: line 1 column 13'),
        ('', 'not valid JSON'),
    ],
)
def test_annotation_file_that_is_not_json(broken, content, message):
    root = broken[0]
    (root / 'test_coco.json').write_text(content)
    proc = _check(root / 'test_coco.json', root)
    assert proc.returncode == 1
    assert proc.stdout.startswith(f'ERROR   {root / "test_coco.json"} [annotation file]: {message}')


def test_empty_detection_file(coco_samples, tmp_path):
    (tmp_path / 'dets.json').write_text('[]')
    proc = _check(
        coco_samples / 'test_coco.json', coco_samples, '--det-file', tmp_path / 'dets.json'
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith(f'ERROR   {tmp_path / "dets.json"} [detections]: empty detection')
    clean = _check(
        coco_samples / 'test_coco.json',
        coco_samples,
        '--det-file',
        coco_samples / 'test_coco_det_AP_H_56.json',
    )
    assert clean.returncode == 0, clean.stdout


def _dataset(root, **kwargs):
    cfg = Config.fromfile(str(REPO / SMOKE_CONFIG))
    ds = dict(cfg.val_dataloader.dataset, data_root=str(root) + '/', bbox_file=None, **kwargs)
    return DATASETS.build(ds)


def test_training_path_stops_at_start_on_missing_or_truncated_image(broken):
    root = broken[0]
    ann = json.loads((root / 'test_coco.json').read_text())
    for a in ann['annotations']:  # keep only the two image problems
        if len(a['keypoints']) != 51:
            a['keypoints'] += [0, 0, 0]
    (root / 'test_coco.json').write_text(json.dumps(ann))
    with pytest.raises(DatasetError) as info:
        check_built_dataset(_dataset(root), 'train')
    text = str(info.value)
    print('\nwhat the user sees:', text)
    assert text.startswith(
        'train data has 2 error(s) that would stop or '
        f'corrupt training:\n  ERROR   {root / MISSING} '
        '[images[1] id=40083]: image file missing'
    )
    assert (
        f'ERROR   {root / TRUNCATED} [images[2] id=196141]: truncated JPEG (no end-of-image marker)'
    ) in text
    assert 'tools/analysis/check_dataset.py' in text


def test_training_path_warns_about_skipped_boxes(coco_samples, broken):
    root = broken[0]
    for name in (MISSING, TRUNCATED):  # only the box problems remain
        shutil.copy(coco_samples / name, root / name)
    ann = json.loads((root / 'test_coco.json').read_text())
    for a in ann['annotations']:
        if len(a['keypoints']) != 51:
            a['keypoints'] += [0, 0, 0]
    (root / 'test_coco.json').write_text(json.dumps(ann))
    dataset = _dataset(root)
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        report = check_built_dataset(dataset, 'train')
    finally:
        logger.removeHandler(handler)
    out = '\n'.join(r.getMessage() for r in records)
    print('\nwhat the user sees:\n' + out)
    assert len(report.warnings) == 2 and not report.errors
    assert 'train data: 2 record(s) that MMPose will skip' in out
    assert out.count('zero-area or negative box') == 2
    # MMPose indeed dropped them: 12 usable people minus the 2 bad boxes.
    assert len(dataset) == 10


def test_build_time_failure_names_the_file(broken, tmp_path):
    root = broken[0]
    (root / 'test_coco.json').write_text('{"images": [')
    cfg = read_config(str(REPO / SMOKE_CONFIG))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': str(root)})
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    with pytest.raises(DatasetError) as info:
        preflight(cfg)  # what tools/train.py runs before building the runner
    text = str(info.value)
    print('\nwhat the user sees:', text)
    assert text.startswith('train data has 1 error(s)')
    assert f'ERROR   {root / "test_coco.json"} [annotation file]: not valid JSON' in text
