"""Read the scalars an MMEngine run logs (``LocalVisBackend``)."""

import json
from pathlib import Path
from typing import Dict, List, Union


def read_scalars(work_dir: Union[str, Path]) -> List[Dict]:
    """All records of the newest ``<work_dir>/*/vis_data/scalars.json``.

    Args:
        work_dir: The ``--work-dir`` of a training or test run.

    Returns:
        One dict per logged step (losses, lr, validation metrics).

    Raises:
        FileNotFoundError: If the work dir holds no ``scalars.json``.
    """
    files = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    if not files:
        raise FileNotFoundError(
            f'no */vis_data/scalars.json under {work_dir}: is it the --work-dir of a training run?'
        )
    with open(files[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]
