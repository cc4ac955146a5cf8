"""Quickstart: generate data, train, evaluate, draw and report on CPU.

    python tools/quickstart.py [--model hm2pn|hrnet] [--tiny]

1. generates the synthetic occlusion dataset (``data/synth``, 2000 train /
   300 val images, seed 0) unless it is already there;
2. trains the reduced HM2PN
   (``configs/quickstart/hm2pn_quickstart_synth_128x96.py``, or with
   ``--model hrnet`` the matching plain HRNet) from scratch; MMEngine logs
   the loss and the ETA every 10 iterations;
3. evaluates it on the val split with MMPose's ``CocoMetric`` at the end of
   training (ground-truth boxes, flip test) and keeps the checkpoint;
4. draws the predictions on a few val images with MMPose's
   ``PoseLocalVisualizer`` into ``WORK_DIR/predictions.png``;
5. runs ``tools/analysis/keypoint_report.py`` (AP, AP on occluded keypoints,
   per-keypoint accuracy and loss) into ``WORK_DIR/report/``; if the other
   model's quickstart run exists, the report compares both.

``--tiny`` runs the same steps on 16 generated images for one short epoch
(the CI test); its numbers mean nothing.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    'hm2pn': ROOT / 'configs/quickstart/hm2pn_quickstart_synth_128x96.py',
    'hrnet': ROOT / 'configs/quickstart/hrnet_quickstart_synth_128x96.py',
}
TINY_OPTIONS = [
    'train_cfg.max_epochs=1',
    'train_cfg.val_interval=1',
    'param_scheduler.0.end=1',
    'param_scheduler.0.T_max=1',
    'train_dataloader.batch_size=4',
    'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.batch_size=8',
    'val_dataloader.num_workers=0',
    'val_dataloader.persistent_workers=False',
    'test_dataloader.batch_size=8',
    'test_dataloader.num_workers=0',
    'test_dataloader.persistent_workers=False',
    'default_hooks.logger.interval=1',
    'default_hooks.checkpoint.interval=1',
]


def banner(step: str, start: float) -> None:
    print(f'\n=== [{time.time() - start:6.0f}s] {step}', flush=True)


def run(args: List[str], env: Dict[str, str]) -> None:
    """Run a tool from the repository root, streaming its output."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env)
    if proc.returncode != 0:
        sys.exit(f'error: {" ".join(args)} exited with {proc.returncode}')


def ensure_data(data: Path, tiny: bool, seed: int) -> None:
    """Generate the dataset unless both annotation files exist."""
    anns = [data / 'annotations' / f'person_keypoints_{s}.json' for s in ('train', 'val')]
    if all(a.is_file() for a in anns):
        print(f'using the dataset in {data}')
        return
    from hm2pn.datasets import generate

    num_train, num_val = (16, 8) if tiny else (2000, 300)
    generate(data, num_train, num_val, seed=seed)


def last_checkpoint(work_dir: Path) -> Path:
    """The checkpoint MMEngine saved last in ``work_dir``."""
    marker = work_dir / 'last_checkpoint'
    if not marker.is_file():
        raise FileNotFoundError(
            f'no checkpoint in {work_dir} (missing {marker}): did training finish?'
        )
    return Path(marker.read_text().strip())


def final_metrics(work_dir: Path) -> Dict[str, float]:
    """The COCO metrics of the last validation of the training run."""
    from hm2pn.utils.scalars import read_scalars

    evals = [r for r in read_scalars(work_dir) if 'coco/AP' in r]
    if not evals:
        raise RuntimeError(f'no coco/AP logged in {work_dir}')
    return {k: v for k, v in evals[-1].items() if k.startswith('coco/')}


def draw_predictions(
    config: Path, ckpt: Path, data: Path, out_file: Path, num_images: int = 6
) -> None:
    """Draw predicted skeletons (GT boxes) on val images into one PNG."""
    import cv2
    import numpy as np
    from tqdm import tqdm

    from hm2pn.apis import build_visualizer, draw, estimate, load_model, read_image

    with open(data / 'annotations' / 'person_keypoints_val.json') as f:
        coco = json.load(f)
    boxes: Dict[int, list] = {}
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        boxes.setdefault(ann['image_id'], []).append([x, y, x + w, y + h, 1])
    model = load_model(str(config), str(ckpt))
    visualizer = build_visualizer(model, radius=2, line_width=1)
    tiles = []
    for img in tqdm(coco['images'][:num_images], desc='drawing', unit='img'):
        image = read_image(str(data / 'val' / img['file_name']))
        sample = estimate(
            model, image, np.array(boxes.get(img['id'], []), dtype=np.float32).reshape(-1, 5)
        )
        tiles.append(draw(visualizer, image, sample))
    while len(tiles) % 3:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i : i + 3]) for i in range(0, len(tiles), 3)]
    cv2.imwrite(str(out_file), np.vstack(rows))


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', choices=sorted(CONFIGS), default='hm2pn')
    parser.add_argument(
        '--data', type=Path, help='dataset folder (default data/synth, data/synth_tiny with --tiny)'
    )
    parser.add_argument('--work-dir', type=Path, help='default work_dirs/quickstart_<model>[_tiny]')
    parser.add_argument(
        '--seed', type=int, default=0, help='dataset seed (training uses the config seed)'
    )
    parser.add_argument(
        '--tiny', action='store_true', help='a few iterations on 16 images (CI check)'
    )
    parser.add_argument(
        '--skip-train',
        action='store_true',
        help='reuse the checkpoint already in the work dir (evaluate, draw and report only)',
    )
    args = parser.parse_args(argv)
    start = time.time()
    suffix = '_tiny' if args.tiny else ''
    data = (args.data or ROOT / 'data' / f'synth{suffix}').resolve()
    work_dir = (args.work_dir or ROOT / 'work_dirs' / f'quickstart_{args.model}{suffix}').resolve()
    config = CONFIGS[args.model]
    env = dict(
        os.environ,
        HM2PN_SYNTH_DATA=str(data),
        HM2PN_OFFLINE='1',
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get('PYTHONPATH')) if p),
    )
    os.environ.update(HM2PN_SYNTH_DATA=str(data), HM2PN_OFFLINE='1')
    sys.path.insert(0, str(ROOT))
    import hm2pn  # noqa: F401  (compat fixes + registration)

    banner(f'1/5 dataset ({data})', start)
    ensure_data(data, args.tiny, args.seed)

    banner(f'2/5 training {config.relative_to(ROOT)} -> {work_dir}', start)
    options = TINY_OPTIONS if args.tiny else []
    if args.skip_train:
        print('--skip-train: using the checkpoint of the earlier run')
    else:
        run(
            ['tools/train.py', str(config), '--work-dir', str(work_dir), '--offline']
            + (['--cfg-options', *options] if options else []),
            env,
        )
    ckpt = last_checkpoint(work_dir)

    banner('3/5 CocoMetric on the val split (last validation of training)', start)
    metrics = final_metrics(work_dir)
    (work_dir / 'metrics.json').write_text(json.dumps(metrics, indent=1))
    for key, value in metrics.items():
        print(f'{key}: {value:.4f}')
    print(f'checkpoint: {ckpt}')

    banner('4/5 drawing predictions', start)
    png = work_dir / 'predictions.png'
    draw_predictions(config, ckpt, data, png)
    print(f'predictions: {png}')

    banner('5/5 keypoint report', start)
    report = [
        str(ROOT / 'tools/analysis/keypoint_report.py'),
        str(config),
        str(ckpt),
        '--out',
        str(work_dir / 'report'),
        '--offline',
    ]
    other = 'hrnet' if args.model == 'hm2pn' else 'hm2pn'
    other_dir = work_dir.parent / f'quickstart_{other}{suffix}'
    if args.work_dir is None and (other_dir / 'last_checkpoint').is_file():
        report += ['--compare', str(CONFIGS[other]), str(last_checkpoint(other_dir))]
    if args.tiny:
        report += [
            '--cfg-options',
            'test_dataloader.batch_size=8',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
        ]
    run(report, env)

    print(
        f'\nquickstart done in {time.time() - start:.0f}s: '
        f'coco/AP {metrics["coco/AP"]:.4f} ({args.model}); '
        f'checkpoint {ckpt}; predictions {png}; '
        f'report {work_dir / "report" / "report.md"}'
    )


if __name__ == '__main__':
    main()
