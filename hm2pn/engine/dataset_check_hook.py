"""Check the datasets of a run once, before the first iteration."""
from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import HOOKS

from .dataset_check import Report, check_coco_dataset

MAX_LINES = 20


class DatasetError(ValueError):
    """A dataset has records that would stop or corrupt training."""


def _unwrap(dataset):
    """The dataset under MMEngine's wrappers (RepeatDataset, ...)."""
    while hasattr(dataset, 'dataset') and not hasattr(dataset, 'ann_file'):
        dataset = dataset.dataset
    return dataset


def reads_coco_json(dataset_cls: type) -> bool:
    """Whether the dataset class reads COCO-format keypoint JSON.

    True for MMPose's ``CocoDataset`` and the other COCO-style datasets that
    keep :class:`BaseCocoStyleDataset`'s loader and parser; False e.g. for
    MPII (another JSON layout) or COCO-WholeBody (extra keypoint fields).
    """
    return (isinstance(dataset_cls, type)
            and issubclass(dataset_cls, BaseCocoStyleDataset)
            and all(getattr(dataset_cls, name) is getattr(
                BaseCocoStyleDataset, name)
                    for name in ('_load_annotations', 'parse_data_info')))


def check_built_dataset(dataset, what: str) -> Optional[Report]:
    """Run :func:`check_coco_dataset` (no decoding) on a built dataset.

    Args:
        dataset: A built MMPose COCO-style dataset (``ann_file``,
            ``data_prefix['img']``, ``bbox_file``, ``metainfo``).
        what: ``'train'``, ``'val'`` or ``'test'``, for the messages.

    Returns:
        The report, or ``None`` when the dataset does not read COCO-format
        JSON (see :func:`reads_coco_json`).

    Raises:
        DatasetError: The dataset has errors (missing images, wrong keypoint
            counts, detections of unknown images, ...); lists the first
            ones and how to get the full list.
    """
    dataset = _unwrap(dataset)
    ann_file = getattr(dataset, 'ann_file', '') or ''
    if not reads_coco_json(type(dataset)) or not ann_file:
        return None
    img_root = (getattr(dataset, 'data_prefix', None) or {}).get('img', '')
    det_file = getattr(dataset, 'bbox_file', None) or None
    num_keypoints = dataset.metainfo.get('num_keypoints', 17)
    report = check_coco_dataset(ann_file, img_root, det_file, num_keypoints,
                                decode_images=False)
    full = (f'python tools/analysis/check_dataset.py {ann_file} {img_root}'
            + (f' --det-file {det_file}' if det_file else ''))
    for problem in report.warnings[:MAX_LINES]:
        print_log(f'{what} data: {problem}', logger='current', level=30)
    if report.warnings:
        print_log(f'{what} data: {len(report.warnings)} record(s) that '
                  f'MMPose will skip; full list: {full}', logger='current',
                  level=30)
    if report.errors:
        lines: List[str] = [str(p) for p in report.errors[:MAX_LINES]]
        more = len(report.errors) - len(lines)
        raise DatasetError(
            f'{what} data has {len(report.errors)} error(s) that would stop '
            f'or corrupt training:\n  ' + '\n  '.join(lines)
            + (f'\n  ... and {more} more' if more > 0 else '')
            + f'\nFull report (also decodes every image): {full}')
    return report


@HOOKS.register_module()
class DatasetCheckHook(Hook):
    """Scan the train/val (or test) datasets before the first iteration.

    A missing image, a keypoint array of the wrong length or a detection of
    an unknown image would otherwise crash the run mid-epoch (``LoadImage``)
    or be skipped silently (MMPose drops zero-area boxes): errors stop the
    run at start with the records named, skipped records are logged with a
    count. Costs one extra read of the annotation JSON and, per image, a
    ``stat`` and a read of its last 64 bytes (a truncated JPEG lacks the
    end-of-image marker), once per run; nothing per iteration. Images are
    not decoded (run ``tools/analysis/check_dataset.py`` for that).
    ``tools/train.py`` adds it to every config.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        """Check the training and (if any) validation datasets."""
        check_built_dataset(runner.train_dataloader.dataset, 'train')
        val_loop = runner._val_loop
        if val_loop is not None and hasattr(val_loop, 'dataloader'):
            check_built_dataset(val_loop.dataloader.dataset, 'val')

    def before_test(self, runner) -> None:
        """Check the test dataset."""
        check_built_dataset(runner.test_loop.dataloader.dataset, 'test')
