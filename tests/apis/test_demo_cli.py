"""The demos never lie: unsupported video containers and an input folder as
output are refused before any model work, frames are read until the stream
ends, same-stem images get their own outputs, and a detection file that
matches no image is an error (no model: a stand-in predictor)."""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from hm2pn.apis import cli
from hm2pn.apis.inference import InferenceError, file_boxes
from tests.utils import REPO, SMOKE_CONFIG


class StandIn:
    """What ``cli.Predict`` does, without a model: boxes, then the image."""

    names = ['nose']

    def __init__(self, boxes=None) -> None:
        self.boxes, self.seen = boxes, []

    def __call__(self, name: str, image: np.ndarray):
        self.seen.append(name)
        boxes = self.boxes(name, image) if self.boxes else None
        return image, [dict(boxes=0 if boxes is None else len(boxes))]


class LyingCapture:
    """A capture whose frame count says 0, as some containers do."""

    def __init__(self, path: str) -> None:
        self.cap = cv2.VideoCapture(path)

    def get(self, prop: int) -> float:
        return 0.0 if prop == cv2.CAP_PROP_FRAME_COUNT else self.cap.get(prop)

    def read(self):
        return self.cap.read()

    def release(self) -> None:
        self.cap.release()


@pytest.fixture()
def tiny_video(tmp_path) -> Path:
    path = tmp_path / 'in.avi'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10.0, (32, 24))
    assert writer.isOpened()
    for i in range(5):
        writer.write(np.full((24, 32, 3), 40 * i, np.uint8))
    writer.release()
    return path


def _count_frames(path: Path) -> int:
    cap, n = cv2.VideoCapture(str(path)), 0
    while cap.read()[0]:
        n += 1
    return n


def test_unsupported_container_is_refused_naming_what_works(tmp_path):
    with pytest.raises(InferenceError) as info:
        cli.check_video_out(str(tmp_path / 'out.webm'), str(tmp_path / 'in.mp4'))
    print(f'\nwebm: error: {info.value}')
    assert 'out.webm' in str(info.value) and '.mp4 (mp4v), .avi (MJPG)' in str(info.value)
    assert cli.check_video_out(str(tmp_path / 'out.MP4'), 'in.mp4') == 'mp4v'
    assert cli.check_video_out(str(tmp_path / 'out.avi'), 'in.mp4') == 'MJPG'


def test_output_video_is_not_the_input(tiny_video):
    with pytest.raises(InferenceError, match='is the input video'):
        cli.check_video_out(str(tiny_video), str(tiny_video))


@pytest.mark.parametrize('max_frames, expected', [(None, 5), (0, 5), (2, 2)])
def test_frames_are_read_until_the_stream_ends(tiny_video, tmp_path, max_frames, expected):
    out = tmp_path / 'out.avi'
    args = argparse.Namespace(input=str(tiny_video), out=str(out), max_frames=max_frames)
    predict = StandIn()
    assert cli.run_video(args, LyingCapture(str(tiny_video)), 'MJPG', predict) == 0
    assert len(predict.seen) == expected == _count_frames(out)
    frames = json.loads(out.with_suffix('.json').read_text())['frames']
    assert [f['frame'] for f in frames] == list(range(expected))


def test_writer_that_does_not_open_is_an_error(tiny_video, tmp_path, monkeypatch, capsys):
    class ClosedWriter:
        def __init__(self, *args) -> None:
            pass

        def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
            return False

    monkeypatch.setattr(cli.cv2, 'VideoWriter', ClosedWriter)
    args = argparse.Namespace(input=str(tiny_video), out=str(tmp_path / 'o.mp4'), max_frames=0)
    assert cli.run_video(args, cv2.VideoCapture(str(tiny_video)), 'mp4v', StandIn()) == 2
    err = capsys.readouterr().err
    assert 'o.mp4: OpenCV cannot write mp4v video' in err and '.avi (MJPG)' in err
    assert 'frames written' not in capsys.readouterr().out


def test_input_folder_as_out_dir_is_refused(tmp_path):
    (tmp_path / 'a.jpg').write_bytes(b'')
    for source in (tmp_path, tmp_path / 'a.jpg'):
        with pytest.raises(InferenceError, match='is the input folder') as info:
            cli.check_out_dir(str(tmp_path / '.' / ''), str(source))
    print(f'\nout-dir: error: {info.value}')
    cli.check_out_dir(str(tmp_path / 'out'), str(tmp_path))


def test_same_stem_images_get_their_own_outputs():
    paths = ['d/a.jpg', 'd/a.png', 'd/b.jpg', 'd/a_jpg.png']
    assert cli.output_stems(paths) == ['a_jpg', 'a_png', 'b', 'a_jpg_2']
    assert cli.output_stems(['d/000000000785.jpg']) == ['000000000785']


def _images(coco_samples, folder: Path) -> list:
    folder.mkdir()
    names = sorted(p.name for p in coco_samples.glob('*.jpg'))[:2]
    for name in names:
        shutil.copy(coco_samples / name, folder / name)
    return [str(folder / n) for n in names]


def test_same_stem_images_written_side_by_side(coco_samples, tmp_path):
    folder = tmp_path / 'in'
    jpg = _images(coco_samples, folder)[0]
    png = str(Path(jpg).with_suffix('.png'))
    cv2.imwrite(png, cv2.imread(jpg))
    out = tmp_path / 'out'
    args = argparse.Namespace(out_dir=str(out), bboxes=None)
    assert cli.run_images(args, sorted([jpg, png]), StandIn()) == 0
    stem = Path(jpg).stem
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f'{stem}_{ext}.{kind}' for ext in ('jpg', 'png') for kind in ('jpg', 'json')
    )


def _det_file(path: Path, image_ids: list) -> str:
    dets = [dict(image_id=i, category_id=1, bbox=[10, 10, 50, 80], score=0.9) for i in image_ids]
    path.write_text(json.dumps(dets))
    return str(path)


def test_detection_file_matching_no_image_is_an_error(coco_samples, tmp_path, capsys):
    paths = _images(coco_samples, tmp_path / 'in')
    det = _det_file(tmp_path / 'det.json', [1, 2])
    args = argparse.Namespace(out_dir=str(tmp_path / 'out'), bboxes=det)
    boxes = file_boxes(det)
    assert cli.run_images(args, paths, StandIn(boxes)) == 1
    err = capsys.readouterr().err
    print(f'\n{err}')
    assert f'2 of 2 images have no entry in {det}' in err
    assert f'error: no image matched an image_id of {det}' in err


def test_some_images_without_detections_are_counted(coco_samples, tmp_path, capsys):
    paths = _images(coco_samples, tmp_path / 'in')
    det = _det_file(tmp_path / 'det.json', [int(Path(paths[0]).stem)])
    boxes = file_boxes(det)
    args = argparse.Namespace(out_dir=str(tmp_path / 'out'), bboxes=det)
    assert cli.run_images(args, paths, StandIn(boxes)) == 0
    assert boxes.unmatched == [paths[1]]
    err = capsys.readouterr().err
    assert f'1 of 2 images have no entry in {det} (e.g. {paths[1]})' in err
    assert 'error' not in err


@pytest.mark.slow
def test_demos_refuse_before_loading_a_model(tmp_path, coco_samples):
    """The real scripts: webm output and the input folder as --out-dir fail
    with exit 2 before the (here missing) checkpoint is read."""
    runs = {
        'webm': ['demo/video_demo.py', str(tmp_path / 'in.mp4'), '--out', str(tmp_path / 'o.webm')],
        'out-dir': ['demo/image_demo.py', str(coco_samples), '--out-dir', str(coco_samples)],
    }
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for what, (script, source, *out) in runs.items():
        cmd = [sys.executable, script, source, SMOKE_CONFIG, str(tmp_path / 'none.pth'), *out]
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith('error:')]
        print(f'\n{what}: exit {proc.returncode}: {errors}')
        assert proc.returncode == 2 and len(errors) == 1, proc.stderr
        assert errors[0].startswith('error: --out') and 'none.pth' not in proc.stderr
