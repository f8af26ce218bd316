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

"""Attach for real: the driver, os-brick's connector and a block device."""

import os

from os_brick import exception as brick_exception
import pytest

from lightos_cinder.simulator import blockdev
from tests.functional.dataplane import hosts
from tests.functional import simstate

MIB = 1024 * 1024
GIB = 1024 * MIB


def _uuid(dsim, volume):
    return simstate.volume_named(dsim, 'volume-%s' % volume.id)['UUID']


@pytest.fixture
def volume(drv, make_volume):
    volume = make_volume()
    volume.provider_id = drv.create_volume(volume)['provider_id']
    return volume


def test_attach_write_read_detach(dsim, drv, volume, host_factory):
    host = host_factory(1)
    assert host.properties['found_dsc'] == 'found'
    info = drv.initialize_connection(volume, host.properties)
    device = host.connect(info)
    uuid = _uuid(dsim, volume)

    path = device['path']
    assert device['type'] == 'block'
    assert path.startswith('/dev/nvme')
    assert os.path.realpath(blockdev.uuid_link(uuid)) == path
    assert hosts.device_size(path) == GIB
    pattern = os.urandom(MIB)
    hosts.write_at(path, 3 * MIB, pattern)
    # The bytes are in the volume's data on the cluster.
    with open(dsim.data_store.volume_path(uuid), 'rb') as data:
        data.seek(3 * MIB)
        assert data.read(MIB) == pattern
    assert hosts.read_at(path, 3 * MIB, MIB) == pattern

    host.disconnect(info, device)
    assert os.listdir(host.connector.discovery_dir_path) == []
    hosts.wait_gone(path, 'the device to go after disconnect_volume')
    assert not os.path.lexists(blockdev.uuid_link(uuid))
    drv.terminate_connection(volume, host.properties)
    assert simstate.volume_named(
        dsim, 'volume-%s' % volume.id)['acl']['values'] == simstate.NONE


def test_data_persists_across_attachments(drv, volume, host_factory):
    first, second = host_factory(1), host_factory(2)
    pattern = os.urandom(64 * 1024)
    info = drv.initialize_connection(volume, first.properties)
    device = first.connect(info)
    hosts.write_at(device['path'], GIB - len(pattern), pattern)
    first.disconnect(info, device)
    drv.terminate_connection(volume, first.properties)

    info = drv.initialize_connection(volume, second.properties)
    device = second.connect(info)
    assert hosts.read_at(device['path'], GIB - len(pattern),
                         len(pattern)) == pattern
    second.disconnect(info, device)
    drv.terminate_connection(volume, second.properties)


def test_a_host_never_granted_cannot_connect(dsim, drv, volume,
                                             host_factory):
    granted, stranger = host_factory(1), host_factory(2)
    info = drv.initialize_connection(volume, granted.properties)
    with pytest.raises(brick_exception.BrickException):
        stranger.connect(info, wait=hosts.REFUSED_WAIT)
    # The connector removed its discovery file again; nothing was exposed.
    assert os.listdir(stranger.connector.discovery_dir_path) == []
    assert not os.path.lexists(blockdev.uuid_link(_uuid(dsim, volume)))
    drv.terminate_connection(volume, granted.properties)


def test_revoking_access_removes_the_device(dsim, drv, volume, agent,
                                            host_factory):
    host = host_factory(1)
    info = drv.initialize_connection(volume, host.properties)
    device = host.connect(info)
    assert hosts.read_at(device['path'], 0, 4096) == bytes(4096)

    drv.terminate_connection(volume, host.properties)
    # Gone before terminate_connection returned, discovery file or not.
    assert agent.exposed() == {}
    assert not os.path.exists(device['path'])
    with pytest.raises(FileNotFoundError):
        hosts.read_at(device['path'], 0, 4096)
    host.disconnect(info, device, wait=hosts.REFUSED_WAIT)
    assert os.listdir(host.connector.discovery_dir_path) == []


def test_detaching_another_host_keeps_this_ones_access(
        dsim, drv, volume, agent, host_factory, attach):
    here, there = host_factory(1), host_factory(2)
    info = drv.initialize_connection(volume, here.properties)
    attach(volume, here.properties)
    drv.initialize_connection(volume, there.properties)
    attach(volume, there.properties)
    device = here.connect(info)
    hosts.write_at(device['path'], 0, b'still here' * 400)

    drv.terminate_connection(volume, there.properties)
    assert hosts.read_at(device['path'], 0, 4000) == b'still here' * 400

    drv.terminate_connection(volume, here.properties)
    assert agent.exposed() == {}
    host_gone = not os.path.exists(device['path'])
    here.disconnect(info, device, wait=hosts.REFUSED_WAIT)
    assert host_gone


def test_a_hosts_disconnect_keeps_the_device_another_host_uses(
        dsim, drv, volume, agent, host_factory, attach):
    # A live migration's source and destination: two hosts of this machine,
    # each with its own discovery directory. The source lets go of the
    # volume after the destination took it over.
    source = host_factory(1)
    destination = host_factory(2, discovery_dir=agent.discovery_dirs[1])
    source_info = drv.initialize_connection(volume, source.properties)
    attach(volume, source.properties)
    device = source.connect(source_info)
    destination_info = drv.initialize_connection(volume,
                                                 destination.properties)
    attach(volume, destination.properties)
    moved = destination.connect(destination_info)
    # (the machine has one device per volume, whichever host connected)
    assert moved['path'] == device['path']
    hosts.write_at(moved['path'], 0, b'migrated' * 512)

    source.disconnect(source_info, device)
    drv.terminate_connection(volume, source.properties)
    assert os.listdir(source.connector.discovery_dir_path) == []
    assert agent.exposed() == {_uuid(dsim, volume): moved['path']}
    assert hosts.read_at(moved['path'], 0, 4096) == b'migrated' * 512

    # The destination's own disconnect finds the device and removes it.
    destination.disconnect(destination_info, moved, wait=hosts.REFUSED_WAIT)
    hosts.wait_gone(moved['path'], 'the device to go after the last host')
    drv.terminate_connection(volume, destination.properties)
    assert agent.exposed() == {}


def test_ip_acl_is_enforced(dsim, make_driver, make_volume, host_factory):
    # A host reporting an address the machine does not have: its NQN is
    # granted, but no address of this host is in the IP-ACL.
    elsewhere = host_factory(1, host_ips=['10.99.0.1'])
    drv = make_driver()
    volume = make_volume()
    drv.create_volume(volume)
    info = drv.initialize_connection(volume, elsewhere.properties)
    record = simstate.volume_named(dsim, 'volume-%s' % volume.id)
    assert record['acl']['values'] == [elsewhere.nqn]
    assert record['IPAcl']['values'] == ['10.99.0.1']
    with pytest.raises(brick_exception.BrickException):
        elsewhere.connect(info, wait=hosts.REFUSED_WAIT)

    # Without IP-ACLs the NQN alone is enough.
    open_drv = make_driver(lightos_use_ipacl=False)
    other = make_volume()
    open_drv.create_volume(other)
    info = open_drv.initialize_connection(other, elsewhere.properties)
    device = elsewhere.connect(info)
    elsewhere.disconnect(info, device)
    open_drv.terminate_connection(other, elsewhere.properties)


def test_deleting_the_volume_removes_the_device(dsim, drv, make_volume,
                                                agent, host_factory):
    host = host_factory(1)
    volume = make_volume()
    volume.provider_id = drv.create_volume(volume)['provider_id']
    info = drv.initialize_connection(volume, host.properties)
    device = host.connect(info)
    uuid = _uuid(dsim, volume)
    hosts.write_at(device['path'], 0, b'x' * 4096)

    drv.delete_volume(volume)
    assert agent.exposed() == {}
    assert not os.path.exists(device['path'])
    assert not os.path.exists(dsim.data_store.volume_path(uuid))
    host.disconnect(info, device, wait=hosts.REFUSED_WAIT)


def test_online_extend_grows_the_device(dsim, drv, volume, host_factory):
    host = host_factory(1)
    info = drv.initialize_connection(volume, host.properties)
    device = host.connect(info)
    hosts.write_at(device['path'], GIB - 4096, b'e' * 4096)
    drv.extend_volume(volume, 2)
    assert hosts.device_size(device['path']) == 2 * GIB
    # What Nova resizes the guest's disk to after an online extend.
    assert host.extend(info) == 2 * GIB
    hosts.write_at(device['path'], 2 * GIB - 4096, b'f' * 4096)
    assert hosts.read_at(device['path'], GIB - 4096, 4096) == b'e' * 4096
    host.disconnect(info, device)
    drv.terminate_connection(volume, host.properties)
