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

"""Emulated compute hosts: os-brick's real LightOS connector per host."""

import contextlib
import os
import sys

from os_brick.initiator import connector as brick_connector
from os_brick.initiator.connectors import lightos as brick_lightos
import os_brick.privileged
from os_brick import utils as brick_utils
from oslo_config import cfg

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from lightos_cinder import compat
from lightos_cinder.simulator import blockdev
from tests.functional.driver import helpers

CONF = cfg.CONF
# How long a connector waits for a namespace that must not show up.
REFUSED_WAIT = 1
HOST_ID = '5e1f0c2a-7d4b-4c3e-9a61-0b8f2d9c4e17'


def skip_reason():
    """Why attaches cannot run here (None: they can)."""
    if not compat.os_brick_discovery_client_configurable():
        return helpers.BRICK_NOT_CONFIGURABLE
    return blockdev.missing_requirements()


def _privsep_contexts():
    # Imported late: cinder.privsep needs the process set up by conftest.
    import cinder.privsep
    return ((os_brick.privileged.default, 'privsep_osbrick'),
            (cinder.privsep.sys_admin_pctxt, 'cinder_sys_admin'))


def configure_privsep():
    """Start privsep daemons as production does, minus sudo.

    os-brick runs move_dsc_file, delete_dsc_file and the flush of
    disconnect_volume in a privsep daemon that it spawns on first use with
    ``sudo privsep-helper`` (Cinder's image code likewise, for qemu-img and
    friends). The tests run as root, so the helper command is
    privsep-helper of this environment itself, with no rootwrap or sudo in
    between; the calls still cross the daemon's socket.
    """
    helper = os.path.join(os.path.dirname(sys.executable), 'privsep-helper')
    for context, group in _privsep_contexts():
        CONF.set_override('helper_command', helper, group=group)
        context.set_client_mode(True)


def stop_privsep():
    for context, group in _privsep_contexts():
        context.stop()
        CONF.clear_override('helper_command', group=group)


def configure_os_brick(agent, lock_path):
    """Point os-brick's [os_brick] options at the emulated agent."""
    values = {'lightos_discovery_client_dir_path': agent.discovery_dir,
              'lightos_discovery_client_address': agent.address,
              'lightos_discovery_client_port': agent.port,
              'lock_path': lock_path}
    for name, value in values.items():
        CONF.set_override(name, value, group='os_brick')
    return list(values)


def clear_os_brick(names):
    for name in names:
        CONF.clear_override(name, group='os_brick')


class Hosts:
    """Compute hosts sharing this machine, told apart by their host NQN.

    A host's NQN normally comes from /etc/nvme/hostnqn, which os-brick
    creates when missing; the tests give each emulated host its own NQN
    instead and never create that file on the machine.
    """

    def __init__(self, monkeypatch):
        self.current = None
        monkeypatch.setattr(brick_utils, 'get_host_nqn',
                            lambda *args, **kwargs: self.current)
        # Likewise /etc/nvme/hostid, which os-brick's NVMe-oF connector
        # creates when Cinder collects the properties of every connector.
        monkeypatch.setattr(brick_utils, 'get_nvme_host_id',
                            lambda *args, **kwargs: HOST_ID)

    def host(self, index, host_ips=None, discovery_dir=None):
        return Host(self, index, host_ips, discovery_dir)


class Host:
    """One compute host: its NQN, connector properties and connector."""

    def __init__(self, hosts, index, host_ips=None, discovery_dir=None):
        self._hosts = hosts
        self.nqn = ('nqn.2014-08.org.nvmexpress:uuid:%08d-0000-4000-8000-'
                    '000000000000' % index)
        self.name = 'compute-%d' % index
        self.connector = brick_connector.InitiatorConnector.factory(
            'LIGHTOS', None)
        if discovery_dir is not None:
            # its own lightos_discovery_client_dir_path, as a compute host
            # with its own configuration has
            self.connector.discovery_dir_path = discovery_dir
        with self._as_me():
            self.properties = dict(
                brick_lightos.LightOSConnector.get_connector_properties(
                    None))
        self.properties['host'] = self.name
        if host_ips is not None:
            self.properties['host_ips'] = list(host_ips)

    @contextlib.contextmanager
    def as_current(self):
        """Make os-brick calls of this process act as this host."""
        with self._as_me():
            yield self

    @contextlib.contextmanager
    def _as_me(self):
        previous, self._hosts.current = self._hosts.current, self.nqn
        try:
            yield
        finally:
            self._hosts.current = previous

    def _wait(self, wait):
        # How long the connector waits for the namespace (its default is a
        # minute: too long for a test that expects it never to come).
        self.connector.WAIT_DEVICE_TIMEOUT = (
            wait or brick_lightos.LightOSConnector.WAIT_DEVICE_TIMEOUT)

    def connect(self, info, wait=None):
        """connect_volume as Nova's libvirt driver calls it."""
        self._wait(wait)
        with self._as_me():
            return self.connector.connect_volume(info['data'])

    def extend(self, info):
        """extend_volume as Nova's libvirt driver calls it: the new size."""
        with self._as_me():
            return self.connector.extend_volume(info['data'])

    def disconnect(self, info, device, wait=None):
        self._wait(wait)
        with self._as_me():
            self.connector.disconnect_volume(info['data'], device)


def wait_gone(path, what):
    """Wait (bounded) until ``path`` no longer exists."""
    def probe():
        if os.path.lexists(path):
            raise exception.NotReady('present')
        return True
    return waiters.wait_for(probe, timeout=10, what=what, interval=0.05)


def write_at(path, offset, data):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_at(path, offset, length):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, length, offset)
    finally:
        os.close(fd)


def device_size(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)


@contextlib.contextmanager
def attached(drv, volume, host):
    """The device path of ``volume`` attached to ``host``, then detached."""
    info = drv.initialize_connection(volume, host.properties)
    try:
        device = host.connect(info)
        try:
            yield device['path']
        finally:
            host.disconnect(info, device)
    finally:
        drv.terminate_connection(volume, host.properties)
