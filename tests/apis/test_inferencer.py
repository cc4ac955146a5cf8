"""Our configs through MMPose's own entry points: ``MMPoseInferencer`` and
MMPose's ``demo/image_demo.py``. They run in a fresh interpreter that never
imports hm2pn itself: the config's ``custom_imports`` must be enough, and a
config selecting ``HardKeypointVisualizer`` makes the inferencer ring hard
keypoints (``hm2pn.visualization`` also fixes MMPose's drawing under NumPy
2)."""

import json
import os
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

from tests.apis.test_demo import OVERFIT_CONFIG, save_random_checkpoint
from tests.conftest import REPO

HARD_CONFIG = f"""_base_ = ['{REPO / OVERFIT_CONFIG}']
custom_imports = dict(imports=['hm2pn', 'hm2pn.visualization'],
                      allow_failed_imports=False)
visualizer = dict(type='HardKeypointVisualizer', hard_thr=1.01,
                  name='visualizer')
"""

INFERENCER_SCRIPT = textwrap.dedent("""
    import json, sys
    from mmpose.apis import MMPoseInferencer
    config, ckpt, image, out_dir = sys.argv[1:5]
    # the whole image is one person (MMPose 1.3.2's inferencer resets a
    # bboxes= argument for top-down models; its detectors need downloads)
    assert 'hm2pn' not in sys.modules
    inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=ckpt,
                                  det_model='whole_image', device='cpu')
    result = next(inferencer(image, vis_out_dir=out_dir + '/vis',
                             pred_out_dir=out_dir + '/pred', kpt_thr=0.0,
                             thickness=3, radius=6))
    print('visualizer:', type(inferencer.inferencer.visualizer).__name__)
    print('hm2pn imported by the config:', 'hm2pn' in sys.modules)
    print('head:', type(inferencer.inferencer.model.head).__name__)
    print('PERSONS', json.dumps(result['predictions'][0], default=float))
""")


def run_clean(args: list) -> subprocess.CompletedProcess:
    """Run from the repository root with the installed hm2pn only (no
    PYTHONPATH), as a user would."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(
            f'{" ".join(args)} exited with {proc.returncode}\n'
            f'{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}'
        )
    return proc


@pytest.mark.slow
def test_mmpose_inferencer_with_our_config(coco_samples, tmp_path):
    ckpt = save_random_checkpoint(OVERFIT_CONFIG, tmp_path / 'hm2pn.pth')
    image = sorted(coco_samples.glob('*.jpg'))[0]
    script = tmp_path / 'inferencer.py'
    script.write_text(INFERENCER_SCRIPT)
    config = tmp_path / 'hard.py'  # every keypoint drawn (>= 0) is hard
    config.write_text(HARD_CONFIG)
    proc = run_clean([sys.executable, str(script), str(config), ckpt, str(image), str(tmp_path)])
    assert 'hm2pn imported by the config: True' in proc.stdout
    assert 'head: CoarseToFineHead' in proc.stdout
    assert 'visualizer: HardKeypointVisualizer' in proc.stdout
    persons = json.loads(proc.stdout.split('PERSONS ', 1)[1].splitlines()[0])
    assert len(persons) == 1
    assert len(persons[0]['keypoints']) == 17
    source = cv2.imread(str(image))
    h, w = source.shape[:2]
    assert persons[0]['bbox'][0] == [0.0, 0.0, float(w), float(h)]
    drawn = cv2.imread(str(tmp_path / 'vis' / image.name))
    assert drawn is not None and drawn.shape == source.shape
    assert (tmp_path / 'pred' / (image.stem + '.json')).is_file()
    # magenta rings (BGR 255, 0, 255; JPEG blurs the colour a little) on
    # the keypoints scored 0 <= s < 1.01
    magenta = (np.abs(drawn.astype(int) - (255, 0, 255)).max(-1) < 80) & (
        np.abs(source.astype(int) - (255, 0, 255)).max(-1) >= 80
    )
    assert magenta.sum() > 200, magenta.sum()


@pytest.mark.slow
def test_mmpose_image_demo_with_our_config(coco_samples, tmp_path):
    from mmengine.utils import get_installed_path

    script = f'{get_installed_path("mmpose")}/.mim/demo/image_demo.py'
    ckpt = save_random_checkpoint(OVERFIT_CONFIG, tmp_path / 'hm2pn.pth')
    image = sorted(coco_samples.glob('*.jpg'))[0]
    out = tmp_path / 'vis.jpg'
    run_clean(
        [
            sys.executable,
            script,
            str(image),
            OVERFIT_CONFIG,
            ckpt,
            '--out-file',
            str(out),
            '--device',
            'cpu',
        ]
    )
    drawn = cv2.imread(str(out))
    assert drawn is not None and drawn.shape == cv2.imread(str(image)).shape
