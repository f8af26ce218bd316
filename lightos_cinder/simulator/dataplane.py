# Copyright 2026 The lightos-cinder Authors.
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Volume and snapshot data of the simulator, kept in sparse files."""

import errno
import fcntl
import logging
import os
import threading

LOG = logging.getLogger(__name__)

# ioctl(FICLONE): share the extents of a whole file (btrfs, XFS).
_FICLONE = 0x40049409
_CHUNK = 1024 * 1024


def _copy_range(src, dst, offset, length):
    """Copy one data segment; copy_file_range reflinks where it can."""
    end = offset + length
    while offset < end:
        try:
            done = os.copy_file_range(src, dst, end - offset, offset, offset)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL,
                                 errno.EOPNOTSUPP):
                raise
            done = 0
        if done == 0:
            break
        offset += done
    while offset < end:
        data = os.pread(src, min(_CHUNK, end - offset), offset)
        if not data:
            return
        os.pwrite(dst, data, offset)
        offset += len(data)


def _data_segments(fd, size):
    """(offset, length) of every data extent of ``fd``, holes skipped."""
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # only a hole is left
                return
            raise
        end = os.lseek(fd, start, os.SEEK_HOLE)
        yield start, min(end, size) - start
        offset = end


def copy_sparse(src_path, dst_path, size=None):
    """Make ``dst_path`` a copy of ``src_path`` without filling holes.

    The destination is rewritten in place (its inode stays, so a loop
    device over it sees the new bytes) and ends up ``size`` bytes long
    (default: the source's size). A fresh destination is a reflink of the
    source where the filesystem offers one.
    """
    src = os.open(src_path, os.O_RDONLY)
    try:
        dst = os.open(dst_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            src_size = os.fstat(src).st_size
            fresh = os.fstat(dst).st_size == 0
            cloned = False
            if fresh:
                try:
                    fcntl.ioctl(dst, _FICLONE, src)
                    cloned = True
                except OSError:
                    cloned = False
            if not cloned:
                # Drop the old contents: what the source has as a hole must
                # read back as zeros.
                os.ftruncate(dst, 0)
                os.ftruncate(dst, src_size)
                for offset, length in _data_segments(src, src_size):
                    _copy_range(src, dst, offset, length)
            os.ftruncate(dst, src_size if size is None else size)
            os.fsync(dst)
        finally:
            os.close(dst)
    finally:
        os.close(src)


class DataStore:
    """Sparse data files of volumes and snapshots under ``root``.

    Each volume and snapshot has its own file named after its UUID, created
    for it and removed with it, so no bytes ever move from a deleted volume
    to a new one. Listeners (the emulated host agent) hear about every
    change that affects a volume a host may have open.
    """

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self._volumes = os.path.join(self.root, 'volumes')
        self._snapshots = os.path.join(self.root, 'snapshots')
        for path in (self._volumes, self._snapshots):
            os.makedirs(path, mode=0o700, exist_ok=True)
        self._listeners = []
        self._lock = threading.Lock()

    # -- paths -------------------------------------------------------------

    def volume_path(self, uuid):
        return os.path.join(self._volumes, '%s.img' % uuid)

    def snapshot_path(self, uuid):
        return os.path.join(self._snapshots, '%s.img' % uuid)

    def volume_uuids(self):
        return sorted(name[:-4] for name in os.listdir(self._volumes)
                      if name.endswith('.img'))

    def snapshot_uuids(self):
        return sorted(name[:-4] for name in os.listdir(self._snapshots)
                      if name.endswith('.img'))

    # -- listeners ---------------------------------------------------------

    def add_listener(self, listener):
        """Call ``listener(event, uuid)`` on changes to a volume.

        The events are 'access', 'resized', 'rewritten' and 'removing'.
        Listeners run synchronously in the API request that made the
        change, before it answers, under the cluster lock.
        """
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener):
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _notify(self, event, uuid):
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event, uuid)

    # -- volume lifecycle --------------------------------------------------

    def create_volume(self, uuid, size, source_snapshot=None):
        """A new volume: zeros, or the data of ``source_snapshot``."""
        path = self.volume_path(uuid)
        if source_snapshot:
            copy_sparse(self.snapshot_path(source_snapshot), path, size)
        else:
            # O_EXCL: a UUID is never reused, nor is a file.
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.ftruncate(fd, size)
            finally:
                os.close(fd)
        LOG.debug('data of volume %s: %s (%d bytes)', uuid, path, size)

    def resize_volume(self, uuid, size):
        os.truncate(self.volume_path(uuid), size)
        self._notify('resized', uuid)

    def access_changed(self, uuid):
        self._notify('access', uuid)

    def rollback_volume(self, uuid, snapshot_uuid):
        copy_sparse(self.snapshot_path(snapshot_uuid), self.volume_path(uuid))
        self._notify('rewritten', uuid)

    def delete_volume(self, uuid):
        self._notify('removing', uuid)
        _remove(self.volume_path(uuid))

    # -- snapshots ---------------------------------------------------------

    def create_snapshot(self, uuid, volume_uuid):
        """A point-in-time copy of what reached the volume's file."""
        copy_sparse(self.volume_path(volume_uuid), self.snapshot_path(uuid))

    def delete_snapshot(self, uuid):
        _remove(self.snapshot_path(uuid))

    # -- whole store -------------------------------------------------------

    def reset(self):
        """Remove every volume's and snapshot's data."""
        for uuid in self.volume_uuids():
            self.delete_volume(uuid)
        for uuid in self.snapshot_uuids():
            self.delete_snapshot(uuid)

    def adopt(self, volumes, snapshots):
        """Match the files to a restored cluster.

        ``volumes`` and ``snapshots`` map UUIDs to sizes. Files of records
        that no longer exist are removed; records without a file get a
        zero-filled one (their data was not kept).
        """
        for uuid in set(self.volume_uuids()) - set(volumes):
            _remove(self.volume_path(uuid))
        for uuid in set(self.snapshot_uuids()) - set(snapshots):
            _remove(self.snapshot_path(uuid))
        for paths, records in ((self.volume_path, volumes),
                               (self.snapshot_path, snapshots)):
            for uuid, size in records.items():
                path = paths(uuid)
                if not os.path.exists(path):
                    LOG.warning('No data file for %s: starting it with '
                                'zeros', uuid)
                    with open(path, 'wb'):
                        pass
                if os.path.getsize(path) != size:
                    os.truncate(path, size)


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
