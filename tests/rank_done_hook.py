"""A test-only hook: every rank writes ``<out_dir>/rank<N>`` when training ends,
so a distributed test can assert that *each* rank finished."""

from pathlib import Path

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class RankDoneHook(Hook):
    """Write a marker file per rank after training."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = Path(out_dir)

    def after_train(self, runner) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / f'rank{get_rank()}').write_text(str(runner.iter))
