"""Check the datasets of a run once, before the first iteration."""

from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from ..datasets.dataset_check import check_built_dataset


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
    not decoded (run ``tools/analysis/check_dataset.py`` for that). Selected
    by ``configs/_base_/runtime.py``.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        """Check the training and (if any) validation datasets."""
        check_built_dataset(runner.train_dataloader.dataset, 'train')
        val_loop = runner.val_loop  # built by Runner.train() before this hook
        if val_loop is not None and hasattr(val_loop, 'dataloader'):
            check_built_dataset(val_loop.dataloader.dataset, 'val')

    def before_test(self, runner) -> None:
        """Check the test dataset."""
        check_built_dataset(runner.test_dataloader.dataset, 'test')
