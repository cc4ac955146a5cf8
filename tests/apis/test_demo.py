"""Image and video demos: boxes from a COCO detection file or the whole
image, drawings, COCO-style JSON, and the one-line errors on bad input."""

import json
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from hm2pn.apis import InferenceError, estimate, file_boxes, load_model, records
from hm2pn.apis.inference import list_images
from hm2pn.visualization import HARD_RING_COLOR, HardKeypointVisualizer, score_colors
from tests.conftest import REPO, run_tool
from tests.utils import SMOKE_CONFIG

DET_FILE = 'test_coco_det_AP_H_56.json'
OVERFIT_CONFIG = 'configs/smoke/hm2pn_w32_overfit_coco_128x96.py'


def save_random_checkpoint(config: str, path) -> str:
    """A checkpoint of ``config``'s model with random weights (and meta)."""
    torch.manual_seed(0)
    model = load_model(str(REPO / config), None)
    save_checkpoint(
        dict(
            state_dict=weights_to_cpu(model.state_dict()),
            meta=dict(dataset_meta=model.dataset_meta),
        ),
        str(path),
    )
    return str(path)


@pytest.fixture(scope='module')
def smoke_ckpt(tmp_path_factory) -> str:
    return save_random_checkpoint(SMOKE_CONFIG, tmp_path_factory.mktemp('ckpt') / 'smoke.pth')


@pytest.fixture(scope='module')
def smoke_model(smoke_ckpt):
    return load_model(str(REPO / SMOKE_CONFIG), smoke_ckpt)


@pytest.mark.slow
def test_image_demo_with_coco_detection_boxes(coco_samples, smoke_ckpt, tmp_path):
    out = tmp_path / 'out'
    proc = run_tool(
        [
            sys.executable,
            'demo/image_demo.py',
            str(coco_samples),
            SMOKE_CONFIG,
            smoke_ckpt,
            '--bboxes',
            str(coco_samples / DET_FILE),
            '--bbox-thr',
            '0.9',
            '--out-dir',
            str(out),
        ]
    )
    assert '4 of 4 images done' in proc.stdout, proc.stdout
    dets = json.loads((coco_samples / DET_FILE).read_text())
    for img in sorted(coco_samples.glob('*.jpg')):
        drawn = cv2.imread(str(out / img.name))
        source = cv2.imread(str(img))
        assert drawn is not None and drawn.shape == source.shape
        result = json.loads((out / (img.stem + '.json')).read_text())
        expected = sorted(
            d['score'] for d in dets if d['image_id'] == int(img.stem) and d['score'] >= 0.9
        )
        persons = result['persons']
        assert len(persons) == len(expected) > 0, img.name
        assert sorted(p['bbox_score'] for p in persons) == pytest.approx(expected, abs=1e-4)
        assert len(result['keypoint_names']) == 17
        for p in persons:
            assert len(p['keypoints']) == 51
            assert len(p['keypoint_scores']) == 17
            x, y, w, h = p['bbox']
            # keypoints (with a heatmap peak > 0; MMPose puts the others
            # at heatmap (-1, -1)) lie in the crop: the box padded 1.25x and
            # widened or heightened to the input aspect ratio
            kpts = np.array(p['keypoints']).reshape(17, 3)
            xs, ys = kpts[kpts[:, 2] > 0, 0], kpts[kpts[:, 2] > 0, 1]
            ratio = 96 / 64  # H / W of the smoke config's input
            half_w = 1.25 * max(w, h / ratio) / 2 + 0.5
            half_h = 1.25 * max(h, w * ratio) / 2 + 0.5
            assert np.abs(xs - (x + w / 2)).max() <= half_w
            assert np.abs(ys - (y + h / 2)).max() <= half_h
        # the drawing changed the image (boxes, links, keypoints)
        assert np.abs(drawn.astype(int) - source.astype(int)).max() > 100


def test_whole_image_is_one_person(coco_samples, smoke_model, tmp_path):
    img = sorted(coco_samples.glob('*.jpg'))[0]
    image = cv2.imread(str(img))
    persons = records(estimate(smoke_model, image, None))
    assert len(persons) == 1
    h, w = image.shape[:2]
    assert persons[0]['bbox'] == pytest.approx([0, 0, w, h], abs=0.01)
    assert persons[0]['bbox_score'] == 1.0
    assert records(estimate(smoke_model, image, np.zeros((0, 5)))) == []


@pytest.mark.slow
def test_bad_image_in_folder_is_reported_and_others_done(coco_samples, smoke_ckpt, tmp_path):
    folder = tmp_path / 'imgs'
    folder.mkdir()
    good = sorted(coco_samples.glob('*.jpg'))[0]
    shutil.copy(good, folder / good.name)
    (folder / 'broken.jpg').write_bytes(b'not a jpeg')
    out = tmp_path / 'out'
    proc = subprocess.run(
        [
            sys.executable,
            'demo/image_demo.py',
            str(folder),
            SMOKE_CONFIG,
            smoke_ckpt,
            '--out-dir',
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert '1 of 2 images done' in proc.stdout
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith('error')]
    assert len(errors) == 1 and 'broken.jpg' in errors[0], proc.stderr
    assert 'cannot read this image' in errors[0]
    assert (out / good.name).is_file()
    assert (out / (good.stem + '.json')).is_file()
    assert not (out / 'broken.json').exists()


def test_empty_folder_and_missing_path(tmp_path):
    with pytest.raises(InferenceError, match='holds no image'):
        list_images(str(tmp_path))
    with pytest.raises(InferenceError, match='no such image or folder'):
        list_images(str(tmp_path / 'nope'))


def test_box_outside_image_is_one_line_error(tmp_path):
    dets = [dict(image_id=1, bbox=[100, 100, 50, 50]), dict(image_id=2, bbox=[-10, 5, 40, 95])]
    (tmp_path / 'det.json').write_text(json.dumps(dets))
    boxes = file_boxes(str(tmp_path / 'det.json'))
    image = np.zeros((48, 64, 3), np.uint8)
    with pytest.raises(InferenceError, match=r'1\.jpg: box .* outside the 64x48 image'):
        boxes('1.jpg', image)
    # partly outside: clipped to the image
    assert boxes('2.jpg', image).tolist() == [[0, 5, 30, 48, 1]]


def test_checkpoint_of_another_config(smoke_ckpt):
    with pytest.raises(InferenceError) as info:
        load_model(str(REPO / OVERFIT_CONFIG), smoke_ckpt)
    message = str(info.value)
    assert '\n' not in message
    assert smoke_ckpt in message and 'missing' in message
    assert 'unexpected' in message and 'another config' in message


def test_config_with_the_dataset_class_metainfo():
    """``metainfo=None`` (the generated-data configs: COCO's from the dataset
    class) loads, where MMPose's ``init_model`` alone fails on it."""
    model = load_model(str(REPO / 'configs/study/synth_hrnet_128x96.py'), None)
    assert model.dataset_meta['num_keypoints'] == 17
    assert model.dataset_meta['dataset_name'] == 'coco'


def test_detection_file_lookup(coco_samples, tmp_path):
    image = np.zeros((1000, 1000, 3), np.uint8)
    by_number = file_boxes(str(coco_samples / DET_FILE), score_thr=0.5)
    boxes = by_number('some/dir/000000000785.jpg', image)
    assert boxes.shape[1] == 5 and len(boxes) > 0
    assert (boxes[:, 4] >= 0.5).all() and (boxes[:, 2] > boxes[:, 0]).all()
    # through an annotation file, for names that are not numbers
    ann = dict(images=[dict(id=785, file_name='kitchen.jpg')])
    (tmp_path / 'ann.json').write_text(json.dumps(ann))
    by_ann = file_boxes(str(coco_samples / DET_FILE), 0.5, str(tmp_path / 'ann.json'))
    np.testing.assert_array_equal(by_ann('kitchen.jpg', image), boxes)
    with pytest.raises(InferenceError, match='kitchen.jpg: cannot tell'):
        by_number('kitchen.jpg', image)
    with pytest.raises(InferenceError, match='other.jpg: cannot tell'):
        by_ann('other.jpg', image)
    assert len(by_number('000000999999.jpg', image)) == 0
    (tmp_path / 'bad.json').write_text('{"a": 1}')
    with pytest.raises(InferenceError, match='bad.json: not a COCO detec'):
        file_boxes(str(tmp_path / 'bad.json'))


def test_hard_keypoints_are_ringed_and_coloured_by_score():
    colors = score_colors(np.array([0.0, 0.5, 1.0]))
    assert colors.tolist() == [[255, 0, 0], [255, 255, 0], [0, 255, 0]]
    vis = HardKeypointVisualizer(hard_thr=0.5, radius=3)
    vis.set_dataset_meta(
        dict(num_keypoints=2, skeleton_links=[], keypoint_colors=None, skeleton_link_colors=None)
    )
    image = np.zeros((100, 200, 3), np.uint8)
    inst = InstanceData(
        keypoints=np.array([[[40.0, 50.0], [150.0, 50.0]]]), keypoint_scores=np.array([[0.9, 0.35]])
    )
    sample = PoseDataSample(pred_instances=inst)
    drawn = vis.add_datasample('t', image, sample, draw_gt=False, kpt_thr=0.3)
    ring = np.all(drawn == HARD_RING_COLOR, axis=-1)
    assert ring[:, 100:].sum() > 10, 'the hard keypoint (0.35) has a ring'
    assert ring[:, :100].sum() == 0, 'the confident one (0.9) has none'
    assert tuple(drawn[50, 40]) == tuple(score_colors(np.array([0.9]))[0])


@pytest.mark.slow
def test_video_demo(video_sample, smoke_ckpt, tmp_path):
    out = tmp_path / 'demo.mp4'
    proc = run_tool(
        [
            sys.executable,
            'demo/video_demo.py',
            str(video_sample),
            SMOKE_CONFIG,
            smoke_ckpt,
            '--out',
            str(out),
            '--max-frames',
            '3',
        ]
    )
    assert '3 frames written' in proc.stdout
    cap = cv2.VideoCapture(str(out))
    frames = 0
    while cap.read()[0]:
        frames += 1
    src = cv2.VideoCapture(str(video_sample))
    assert frames == 3
    assert int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == int(src.get(cv2.CAP_PROP_FRAME_WIDTH))
    result = json.loads(out.with_suffix('.json').read_text())
    assert [f['frame'] for f in result['frames']] == [0, 1, 2]
    assert all(len(f['persons']) == 1 for f in result['frames'])


def test_checkpoint_with_code_is_refused(tmp_path, monkeypatch):
    """The demos' load_model loads with weights_only: a pickled callable is
    a one-line error naming the file and the opt-in, and never runs."""
    from tests.test_compat import _malicious_checkpoint

    monkeypatch.delenv('HM2PN_UNSAFE_LOAD_CHECKPOINT', raising=False)
    path, marker = _malicious_checkpoint(tmp_path)
    with pytest.raises(InferenceError) as info:
        load_model(str(REPO / SMOKE_CONFIG), str(path))
    message = str(info.value)
    assert message.startswith(f'{path}: refused') and '--unsafe-load-checkpoint' in message
    assert not marker.exists()
