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

"""The attach data, consumed by os-brick's real LightOS connector."""

import os

from os_brick.initiator.connectors import lightos as brick_lightos
import os_brick.privileged
from os_brick import utils as brick_utils
from oslo_config import cfg
import pytest

from lightos_cinder import compat
from tests.functional import cinder_objects
from tests.functional.driver import helpers
from tests.functional import simstate

HOST = cinder_objects.connector(7)
DEVICE = '/dev/nvme0n1'


class KernelFreeConnector(brick_lightos.LightOSConnector):
    """The real connector minus what needs an NVMe kernel.

    The namespace appears as soon as the discovery file names it, and
    vanishes when the file is removed.
    """

    def _get_device_by_uuid(self, uuid):
        return DEVICE if os.path.exists(self.dsc_file_name(uuid)) else None


@pytest.fixture
def brick(tmp_path, monkeypatch):
    if not compat.os_brick_discovery_client_configurable():
        pytest.skip(helpers.BRICK_NOT_CONFIGURABLE)
    discovery_dir = tmp_path / 'discovery.d'
    discovery_dir.mkdir()
    cfg.CONF.set_override('lightos_discovery_client_dir_path',
                          str(discovery_dir), group='os_brick')
    cfg.CONF.set_override('lock_path', str(tmp_path), group='os_brick')
    # Run the privileged file moves in this process, as os-brick's own
    # tests do, instead of through a root privsep daemon.
    os_brick.privileged.default.set_client_mode(False)
    # The host NQN normally comes from /etc/nvme/hostnqn of the compute
    # host; this host has none and must not get one.
    monkeypatch.setattr(brick_utils, 'get_host_nqn',
                        lambda *args, **kwargs: HOST['nqn'])
    yield KernelFreeConnector(root_helper=None), discovery_dir
    os_brick.privileged.default.set_client_mode(True)
    cfg.CONF.clear_override('lightos_discovery_client_dir_path',
                            group='os_brick')
    cfg.CONF.clear_override('lock_path', group='os_brick')


def test_connector_writes_the_discovery_file(sim, drv, make_volume, brick):
    connector, discovery_dir = brick
    volume = make_volume()
    drv.create_volume(volume)
    info = drv.initialize_connection(volume, HOST)
    assert info['driver_volume_type'] == 'lightos'

    device = connector.connect_volume(info['data'])
    assert device == {'type': 'block', 'path': DEVICE}

    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    [conf_file] = list(discovery_dir.iterdir())
    assert conf_file.name == '%s.conf' % record['UUID']
    lines = [line for line in conf_file.read_text().splitlines()
             if not line.startswith('#')]
    subsysnqn = drv._cluster.subsystem_nqn
    assert sorted(lines) == sorted(
        '-t tcp -a %s -s 8009 -q %s -n %s' % (ip, HOST['nqn'], subsysnqn)
        for ip in simstate.node_ips(sim))
    assert record['acl']['values'] == [HOST['nqn']]

    connector.disconnect_volume(info['data'], device)
    assert list(discovery_dir.iterdir()) == []
