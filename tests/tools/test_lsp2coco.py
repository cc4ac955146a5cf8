"""tools/dataset_converters/lsp2coco.py on the real LSP subset (40 images,
``tests/data/lsp``: 20 of the training and 20 of the test split) and on
small generated folders with bad input; the LSP metainfo."""

import importlib.util
import json

import numpy as np
import pytest

from tests.utils import REPO

pytestmark = pytest.mark.unit

spec = importlib.util.spec_from_file_location(
    'lsp2coco', REPO / 'tools/dataset_converters/lsp2coco.py'
)
lsp2coco = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lsp2coco)


@pytest.fixture(scope='module')
def lsp_root(lsp_samples):
    return lsp_samples


def test_real_lsp_splits(lsp_root, tmp_path):
    lsp2coco.main([str(lsp_root), '--out', str(tmp_path), '--num-train', '20'])
    train = json.loads((tmp_path / 'annotations/lsp_train.json').read_text())
    val = json.loads((tmp_path / 'annotations/lsp_val.json').read_text())
    assert [len(train['images']), len(val['images'])] == [20, 20]
    assert train['images'][0]['file_name'] == 'im0001.jpg'
    assert val['images'][0]['file_name'] == 'im0021.jpg'
    assert val['images'][-1]['file_name'] == 'im0040.jpg'
    assert train['categories'][0]['keypoints'][13] == 'head_top'
    from scipy.io import loadmat

    joints = loadmat(str(lsp_root / 'joints.mat'))['joints']
    for ann in train['annotations'][:50] + val['annotations'][:50]:
        idx = ann['image_id'] - 1
        kpts = np.array(ann['keypoints']).reshape(14, 3)
        np.testing.assert_allclose(kpts[:, :2], joints[:2, :, idx].T, atol=1e-3)
        np.testing.assert_array_equal(kpts[:, 2], np.where(joints[2, :, idx] > 0, 1, 2))
        x, y, w, h = ann['bbox']
        assert (kpts[:, 0] >= x - 1e-3).all() and (kpts[:, 0] <= x + w + 1e-3).all()
        assert (kpts[:, 1] >= y - 1e-3).all() and (kpts[:, 1] <= y + h + 1e-3).all()
        assert ann['area'] == pytest.approx(w * h, rel=1e-3)
    # im0001: all joints visible (flag 0)
    assert set(train['annotations'][0]['keypoints'][2::3]) == {2}
    flags = np.concatenate(
        [np.array(a['keypoints'][2::3]) for a in train['annotations'] + val['annotations']]
    )
    assert (flags == 1).mean() == pytest.approx((joints[2] > 0).mean())


def make_lsp(root, num, num_images=None, size=(40, 30)):
    """A small LSP-layout folder: joints.mat (3, 14, num) and images."""
    from PIL import Image
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    joints = np.zeros((3, 14, num))
    joints[0] = rng.uniform(5, 35, (14, num))
    joints[1] = rng.uniform(5, 25, (14, num))
    joints[2] = rng.random((14, num)) < 0.3
    (root / 'images').mkdir(parents=True)
    savemat(str(root / 'joints.mat'), dict(joints=joints))
    for i in range(1, (num if num_images is None else num_images) + 1):
        Image.new('RGB', size).save(root / 'images' / f'im{i:04d}.jpg')
    return joints


def test_split_option_and_n_from_array(tmp_path):
    make_lsp(tmp_path / 'lsp', 5)
    coco = lsp2coco.convert(tmp_path / 'lsp', 'val', num_train=3)
    assert [im['file_name'] for im in coco['images']] == ['im0004.jpg', 'im0005.jpg']
    assert coco['images'][0]['width'] == 40
    assert len(lsp2coco.convert(tmp_path / 'lsp', 'all', num_train=5)['images']) == 5
    lsp2coco.main(
        [
            str(tmp_path / 'lsp'),
            '--out',
            str(tmp_path / 'out'),
            '--split',
            'train',
            '--num-train',
            '2',
        ]
    )
    out = json.loads((tmp_path / 'out/annotations/lsp_train.json').read_text())
    assert len(out['images']) == 2
    assert not (tmp_path / 'out/annotations/lsp_val.json').exists()


def test_box_clipped_to_image(tmp_path):
    joints = make_lsp(tmp_path / 'lsp', 2)
    coco = lsp2coco.convert(tmp_path / 'lsp', 'all', num_train=2, margin=1.0)
    x, y, w, h = coco['annotations'][0]['bbox']
    assert x == 0 and y == 0 and x + w == 40 and y + h == 30
    coco = lsp2coco.convert(tmp_path / 'lsp', 'all', num_train=2, margin=0)
    x, y, w, h = coco['annotations'][1]['bbox']
    assert x == pytest.approx(joints[0, :, 1].min(), abs=1e-3)
    assert x + w == pytest.approx(joints[0, :, 1].max(), abs=1e-3)


def test_missing_image_names_the_file(tmp_path):
    make_lsp(tmp_path / 'lsp', 4)
    (tmp_path / 'lsp/images/im0003.jpg').unlink()
    with pytest.raises(FileNotFoundError, match=r'im0003\.jpg is missing'):
        lsp2coco.convert(tmp_path / 'lsp', 'all', num_train=2)


def test_n_mismatch_names_joints_mat(tmp_path):
    make_lsp(tmp_path / 'lsp', 3, num_images=5)
    with pytest.raises(
        ValueError,
        match=r'joints\.mat has 3 entries but .* '
        r'holds 5 LSP images',
    ):
        lsp2coco.convert(tmp_path / 'lsp', 'train', num_train=2)


def test_bad_mat_and_split(tmp_path):
    with pytest.raises(FileNotFoundError, match='joints.mat does not exist'):
        lsp2coco.convert(tmp_path, 'train')
    from scipy.io import savemat

    savemat(str(tmp_path / 'joints.mat'), dict(joints=np.zeros((3, 13, 2))))
    with pytest.raises(ValueError, match=r'shape \(3, 13, 2\)'):
        lsp2coco.convert(tmp_path, 'train')
    make_lsp(tmp_path / 'lsp', 3)
    with pytest.raises(ValueError, match='num-train 4 must be in 1..3'):
        lsp2coco.convert(tmp_path / 'lsp', 'train', num_train=4)


def test_lsp_metainfo():
    from mmpose.datasets.datasets.utils import parse_pose_metainfo

    meta = parse_pose_metainfo(dict(from_file=str(REPO / 'configs/_base_/datasets/lsp.py')))
    assert meta['num_keypoints'] == 14
    assert meta['flip_indices'] == [5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 12, 13]
    names = [meta['keypoint_id2name'][k] for k in range(14)]
    assert names == list(lsp2coco.KEYPOINT_NAMES)
    assert meta['sigmas'][0] == pytest.approx(0.089)  # ankle, as COCO
    assert meta['sigmas'][6] == pytest.approx(0.062)  # wrist, as COCO
    assert len(meta['skeleton_links']) == 15
    assert sorted(meta['upper_body_ids']) == list(range(6, 14))
