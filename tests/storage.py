"""A storage that fails on demand: a full disk, injected at the storage boundary."""

from __future__ import annotations

import errno
import os

from django.core.files.storage import FileSystemStorage


class FullDisk(FileSystemStorage):
    """Local files until `writes_left` writes have been made, then ENOSPC, as a disk that
    filled up: the file is created and stays empty. None means the disk never fills."""

    writes_left: int | None = None

    def _save(self, name, content):
        if FullDisk.writes_left is not None:
            if FullDisk.writes_left <= 0:
                path = self.path(name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "xb").close()
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)
            FullDisk.writes_left -= 1
        return super()._save(name, content)
