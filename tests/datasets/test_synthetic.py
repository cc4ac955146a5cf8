"""The generated occlusion dataset: COCO's annotation rules, determinism,
the requested occlusion fraction, and MMPose reading it unchanged."""

import json
from pathlib import Path

import numpy as np
import pytest

from hm2pn.datasets import generate, generate_split, render_image
from hm2pn.datasets.synthetic import main as synthetic_main

SIZE = (128, 128)


@pytest.fixture(scope='module')
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('synth')
    generate(out, num_train=24, num_val=6, seed=3, size=SIZE, workers=2)
    return out


def _load(out: Path, split: str) -> dict:
    return json.loads((out / 'annotations' / f'person_keypoints_{split}.json').read_text())


@pytest.mark.parametrize('split', ['train', 'val'])
def test_annotations_follow_coco_rules(dataset, split):
    coco = _load(dataset, split)
    images = {img['id']: img for img in coco['images']}
    assert len(images) == len(coco['images']) == (24 if split == 'train' else 6)
    for img in coco['images']:
        assert (dataset / split / img['file_name']).is_file()
        assert (img['width'], img['height']) == SIZE
    ann_ids = [a['id'] for a in coco['annotations']]
    assert len(set(ann_ids)) == len(ann_ids)
    per_image = {}
    for ann in coco['annotations']:
        per_image[ann['image_id']] = per_image.get(ann['image_id'], 0) + 1
        img = images[ann['image_id']]
        assert ann['category_id'] == 1 and ann['iscrowd'] == 0
        kpt = np.asarray(ann['keypoints']).reshape(17, 3)
        v = kpt[:, 2]
        assert set(np.unique(v)) <= {0, 1, 2}
        assert ann['num_keypoints'] == int((v > 0).sum()) >= 1
        assert np.all(kpt[v == 0, :2] == 0), 'v=0 keypoints must be (0, 0)'
        x, y, w, h = ann['bbox']
        assert w > 0 and h > 0 and ann['area'] > 0
        assert ann['area'] <= w * h
        assert 0 <= x and 0 <= y and x + w <= img['width'] and y + h <= img['height']
        labelled = kpt[v > 0, :2]
        assert np.all(labelled >= 0)
        assert np.all(labelled[:, 0] < img['width'])
        assert np.all(labelled[:, 1] < img['height'])
        assert np.all(
            (labelled[:, 0] >= x)
            & (labelled[:, 0] <= x + w)
            & (labelled[:, 1] >= y)
            & (labelled[:, 1] <= y + h)
        ), 'the box must contain the labelled keypoints'
    assert set(per_image) == set(images)
    assert all(1 <= n <= 3 for n in per_image.values())
    if split == 'train':
        val_ids = {img['id'] for img in _load(dataset, 'val')['images']}
        assert not val_ids & set(images), 'image ids must differ by split'


def test_same_seed_same_bytes(tmp_path):
    """Serial and 2-worker generation give identical JSON and JPEG bytes."""
    a = generate_split(tmp_path / 'a', 'val', 20, seed=7, size=SIZE, workers=1)
    b = generate_split(tmp_path / 'b', 'val', 20, seed=7, size=SIZE, workers=2)
    assert a.read_bytes() == b.read_bytes()
    for img in json.loads(a.read_text())['images']:
        name = img['file_name']
        assert (tmp_path / 'a' / 'val' / name).read_bytes() == (
            tmp_path / 'b' / 'val' / name
        ).read_bytes()
    c = generate_split(tmp_path / 'c', 'val', 3, seed=8, size=SIZE, workers=1)
    assert c.read_bytes() != a.read_bytes()


def _hidden_fraction(occlusion: float, num: int = 40) -> float:
    v = np.concatenate(
        [
            np.asarray(ann['keypoints']).reshape(17, 3)[:, 2]
            for i in range(num)
            for ann in render_image((0, 0, i), (192, 192), occlusion)[1]
        ]
    )
    return float((v == 1).sum() / (v > 0).sum())


def test_occlusion_fraction_follows_the_request():
    none, some, many = (_hidden_fraction(p) for p in (0.0, 0.3, 0.5))
    assert none < 0.15, none  # only overlapping figures and turned heads
    assert 0.25 <= some <= 0.5, some
    assert many > some + 0.1, (some, many)


def test_mmpose_reads_it_unchanged(dataset):
    from mmpose.datasets import CocoDataset
    from xtcocotools.coco import COCO

    coco = _load(dataset, 'val')
    ds = CocoDataset(
        data_root=str(dataset),
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='val/'),
        pipeline=[],
        test_mode=True,
    )
    assert len(ds) == len(coco['annotations'])
    info = ds[0]
    assert info['keypoints'].shape == (1, 17, 2)
    assert Path(info['img_path']).is_file()
    api = COCO(str(dataset / 'annotations' / 'person_keypoints_val.json'))
    assert len(api.getAnnIds()) == len(coco['annotations'])


def test_cli_rejects_bad_arguments(tmp_path):
    with pytest.raises(SystemExit, match='num-train'):
        synthetic_main(['--out', str(tmp_path), '--num-train', '0'])
    with pytest.raises(ValueError, match='occlusion'):
        synthetic_main(
            ['--out', str(tmp_path), '--num-train', '1', '--num-val', '1', '--occlusion', '1.5']
        )
