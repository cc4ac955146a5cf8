"""A local file backend that writes checkpoints atomically."""

import os
import os.path as osp
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional, Union

from mmengine.fileio import LocalBackend, register_backend

ATOMIC_BACKEND = 'hm2pn_atomic_local'
TMP_SUFFIX = '.tmp'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` whose ``put`` is write-then-rename.

    The bytes go to ``<file>.tmp`` (flushed and fsynced) and are then renamed
    over ``<file>`` with ``os.replace``, which is atomic on POSIX and Windows.
    A process killed while saving leaves at most a stray ``.tmp`` file, never
    a truncated checkpoint under the real name. Inside
    :meth:`deferred_removal`, ``remove`` only queues the file; the queue is
    deleted when the block ends.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._deferred: Optional[List[str]] = None

    @contextmanager
    def deferred_removal(self) -> Iterator[None]:
        """Delay every ``remove`` of the block until the block is done.

        Used around a checkpoint save, so that MMEngine's pruning of the
        oldest checkpoint happens after the new one is complete on disk.
        """
        if self._deferred is not None:  # nested: the outer block removes
            yield
            return
        self._deferred = []
        try:
            yield
        finally:
            queued, self._deferred = self._deferred, None
            for path in queued:
                super().remove(path)

    def remove(self, filepath: Union[str, Path]) -> None:
        """Remove ``filepath`` now, or at the end of :meth:`deferred_removal`."""
        if self._deferred is not None:
            self._deferred.append(str(filepath))
        else:
            super().remove(filepath)

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` atomically.

        Args:
            obj: The bytes to write (a serialised checkpoint).
            filepath: Destination path.
        """
        filepath = str(filepath)
        os.makedirs(osp.dirname(filepath) or '.', exist_ok=True)
        tmp = filepath + TMP_SUFFIX
        with open(tmp, 'wb') as f:
            f.write(obj)
            f.flush()
            os.fsync(f.fileno())
        self.commit(tmp, filepath)

    @staticmethod
    def commit(tmp: str, filepath: str) -> None:
        """Rename the finished temporary file to its final name."""
        os.replace(tmp, filepath)
