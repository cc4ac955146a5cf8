"""A local file backend that writes checkpoints atomically."""
import os
import os.path as osp
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

ATOMIC_BACKEND = 'hm2pn_atomic_local'
TMP_SUFFIX = '.tmp'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` whose ``put`` is write-then-rename.

    The bytes go to ``<file>.tmp`` (flushed and fsynced) and are then renamed
    over ``<file>`` with ``os.replace``, which is atomic on POSIX and Windows.
    A process killed while saving leaves at most a stray ``.tmp`` file, never
    a truncated checkpoint under the real name.
    """

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
