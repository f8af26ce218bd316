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

"""Block devices that stand in for NVMe namespaces: loop + node + link."""

import dataclasses
import errno
import logging
import os
import shutil
import stat
import subprocess

LOG = logging.getLogger(__name__)

BY_ID_DIR = '/dev/disk/by-id'
# os-brick accepts a namespace whose by-id link resolves under /dev/nvme,
# and its extend_volume reads the size from /sys/class/block/<last path
# component>/size: the node is /dev/nvme-sim/loop<N>, named after its loop
# device, so that sysfs entry is the loop device's and follows a resize.
NODE_DIR = '/dev/nvme-sim'
_TOOL_PATH = os.pathsep.join([os.environ.get('PATH', ''), '/usr/sbin',
                              '/sbin'])


class DeviceError(Exception):
    """A block device could not be set up or torn down."""


def _run(*cmd):
    try:
        result = subprocess.run(cmd, capture_output=True, text=True,
                                check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DeviceError('%s: %s' % (' '.join(cmd), exc)) from None
    if result.returncode != 0:
        raise DeviceError('%s failed (%d): %s' % (
            ' '.join(cmd), result.returncode, result.stderr.strip()))
    return result.stdout.strip()


def uuid_link(uuid):
    """The link os-brick's LightOS connector waits for."""
    return os.path.join(BY_ID_DIR, 'nvme-uuid.%s' % uuid)


def missing_requirements():
    """Why block devices cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return 'needs root (loop devices, mknod, /dev/disk/by-id)'
    if not os.path.exists('/dev/loop-control'):
        return 'needs loop devices (/dev/loop-control is missing)'
    for tool in ('losetup', 'blockdev'):
        if not shutil.which(tool, path=_TOOL_PATH):
            return 'needs %s (util-linux)' % tool
    return None


@dataclasses.dataclass
class Device:
    """One exposed namespace: what was created, so exactly that goes."""

    uuid: str
    backing_file: str
    loop: str
    node: str
    link: str


def _backing_file(loop):
    name = os.path.basename(loop)
    try:
        with open('/sys/block/%s/loop/backing_file' % name) as handle:
            return handle.read().strip()
    except OSError:
        return None


class DeviceSet:
    """Creates and removes the devices of exposed namespaces.

    Everything it creates is recorded and nothing else is ever touched: a
    loop device is detached only while its backing file is the one it was
    attached to, a node or link is removed only while it is the one made.
    """

    def __init__(self):
        self._devices = {}
        self._made_dirs = []
        # Every device ever made, for checks that nothing is left behind.
        self.history = []

    def __contains__(self, uuid):
        return uuid in self._devices

    def get(self, uuid):
        return self._devices.get(uuid)

    def uuids(self):
        return list(self._devices)

    def _make_dirs(self, path):
        missing = []
        while not os.path.isdir(path):
            missing.append(path)
            path = os.path.dirname(path)
        for path in reversed(missing):
            try:
                os.mkdir(path, 0o755)
                self._made_dirs.append(path)
            except FileExistsError:
                pass

    def expose(self, uuid, backing_file, sector_size=512):
        """Attach ``backing_file`` as /dev/nvme-sim/loop<N> plus its link."""
        if uuid in self._devices:
            return self._devices[uuid]
        loop = _run('losetup', '--find', '--show',
                    '--sector-size', str(sector_size), backing_file)
        device = Device(uuid=uuid, backing_file=backing_file, loop=loop,
                        node='', link='')
        try:
            self._make_dirs(NODE_DIR)
            node = os.path.join(NODE_DIR, os.path.basename(loop))
            os.mknod(node, stat.S_IFBLK | 0o660, os.stat(loop).st_rdev)
            device.node = node
            self._make_dirs(BY_ID_DIR)
            link = uuid_link(uuid)
            os.symlink(os.path.relpath(node, BY_ID_DIR), link)
            device.link = link
        except OSError as exc:
            self._remove(device)
            raise DeviceError('cannot expose volume %s: %s' % (uuid, exc))
        self._devices[uuid] = device
        self.history.append(device)
        LOG.info('Volume %s exposed as %s (%s)', uuid, device.node, loop)
        return device

    def withdraw(self, uuid):
        """Remove the link, the node and the loop device of ``uuid``."""
        device = self._devices.pop(uuid, None)
        if device is not None:
            self._remove(device)
            LOG.info('Volume %s withdrawn from %s', uuid, device.node)

    def leftovers(self):
        """Devices made by this set, no longer in use, that still exist.

        Node names follow loop device numbers, which other processes reuse
        once released: a node or loop device counts only while it is still
        backed by the file this set attached.
        """
        active = {path for device in self._devices.values()
                  for path in (device.link, device.node, device.loop)}
        left = set()
        for device in self.history:
            if device.link not in active and os.path.lexists(device.link):
                left.add(device.link)
            if device.loop in active or _backing_file(
                    device.loop) != device.backing_file:
                continue
            left.add(device.loop)
            if os.path.exists(device.node):
                left.add(device.node)
        return sorted(left)

    def _remove(self, device):
        if device.link and os.path.islink(device.link) and os.path.realpath(
                device.link) == device.node:
            os.unlink(device.link)
        if device.node:
            try:
                same = os.stat(device.node).st_rdev == os.stat(
                    device.loop).st_rdev
            except OSError:
                same = False
            if same:
                os.unlink(device.node)
        backing = _backing_file(device.loop)
        if backing in (device.backing_file, device.backing_file +
                       ' (deleted)'):
            # A holder keeps a detached loop device until it closes it
            # (autoclear); the namespace is gone for everyone else.
            _run('losetup', '--detach', device.loop)
        else:
            LOG.warning('Not detaching %s: it is backed by %r now, not by '
                        '%s', device.loop, backing, device.backing_file)

    def resize(self, uuid):
        """Make the device follow its grown (or shrunk) file."""
        device = self._devices.get(uuid)
        if device is not None:
            _run('losetup', '--set-capacity', device.loop)

    def drop_caches(self, uuid):
        """Forget cached blocks: the file was rewritten underneath."""
        device = self._devices.get(uuid)
        if device is not None:
            _run('blockdev', '--flushbufs', device.loop)

    def close(self):
        """Withdraw everything and remove the directories made for it."""
        errors = []
        for uuid in list(self._devices):
            try:
                self.withdraw(uuid)
            except DeviceError as exc:
                errors.append(str(exc))
        for path in reversed(self._made_dirs):
            try:
                os.rmdir(path)
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.ENOENT,
                                     errno.EBUSY):
                    errors.append('%s: %s' % (path, exc))
        self._made_dirs = []
        if errors:
            raise DeviceError('; '.join(errors))
