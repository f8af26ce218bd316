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

"""Clones into another project: the host copy and its failure paths.

Here no volume can be attached to this host (no discovery-client answers),
so every copy fails; what is checked is that it fails cleanly. The copy
itself is proven with data in tests/functional/dataplane/.
"""

import logging
import socket

from cinder import exception as cinder_exception
from os_brick import utils as brick_utils
from oslo_config import cfg
from oslo_utils import units
import pytest

from lightos_cinder import compat
from lightos_cinder.volume import hostcopy
from tests.functional.driver import helpers
from tests.functional import simstate

CONF = cfg.CONF

A = {'lightos:project_name': 'tenant-a', 'lightos:num_replicas': '2'}
B = {'lightos:project_name': 'tenant-b', 'lightos:num_replicas': '1'}
HOST_NQN = ('nqn.2014-08.org.nvmexpress:uuid:00000099-0000-4000-8000-'
            '000000000000')


@pytest.fixture
def projects(sim):
    sim.create_project('tenant-a')
    sim.create_project('tenant-b')


def _listening(host, port):
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def no_discovery_client(monkeypatch):
    """This host has an NQN, but no discovery-client answers.

    The NQN is fixed so that os-brick never creates /etc/nvme/hostnqn on
    the machine; the discovery-client address is a bound port that does not
    listen, so the connection is refused.
    """
    monkeypatch.setattr(brick_utils, 'get_host_nqn',
                        lambda *args, **kwargs: HOST_NQN)
    if not compat.os_brick_discovery_client_configurable():
        # Older os-brick always asks localhost:6060.
        if _listening('localhost', 6060):
            pytest.skip('a discovery-client listens on localhost:6060; '
                        + helpers.BRICK_NOT_CONFIGURABLE)
        yield
        return
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    CONF.set_override('lightos_discovery_client_address', '127.0.0.1',
                      group='os_brick')
    CONF.set_override('lightos_discovery_client_port',
                      sock.getsockname()[1], group='os_brick')
    yield
    CONF.clear_override('lightos_discovery_client_address', group='os_brick')
    CONF.clear_override('lightos_discovery_client_port', group='os_brick')
    sock.close()


@pytest.fixture
def source(drv, projects, make_type, make_volume):
    volume = make_volume(make_type(A), size=1)
    volume.provider_id = drv.create_volume(volume)['provider_id']
    return volume


@pytest.fixture
def snapshot(drv, source, make_snapshot):
    """A snapshot of ``source``, on the cluster."""
    made = make_snapshot(source)
    drv.create_snapshot(made)
    return made


def _names(sim, project):
    return sorted(v['name'] for v in simstate.volumes(sim, project))


def _assert_only(sim, source, snapshots=0):
    """The source (and its snapshots) are all that is on the cluster."""
    assert _names(sim, 'tenant-a') == ['volume-%s' % source.id]
    assert _names(sim, 'tenant-b') == []
    assert len(simstate.snapshots(sim, 'tenant-a')) == snapshots
    assert simstate.snapshots(sim, 'tenant-b') == []
    record = simstate.volume_named(sim, 'volume-%s' % source.id, 'tenant-a')
    # This host's access was revoked again (or never granted).
    assert record['acl']['values'] == simstate.NONE


def test_clone_into_another_project_copies_through_the_host(
        sim, drv, source, make_type, make_volume, no_discovery_client,
        caplog):
    caplog.set_level(logging.INFO, logger='lightos_cinder')
    clone = make_volume(make_type(B), size=2)
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.create_cloned_volume(clone, source)
    # The attach failed for want of a discovery-client on this host; the
    # target had been created in tenant-b and is gone again.
    assert 'found_dsc' in str(info.value)
    assert 'LightOS discovery-client' in str(info.value)
    assert 'so the data is copied through this host' in caplog.text
    assert 'removing the new volume' in caplog.text
    assert ('Created LightOS volume volume-%s' % clone.id) in caplog.text
    _assert_only(sim, source)


def test_from_snapshot_into_another_project_removes_both_volumes(
        sim, drv, source, snapshot, make_type, make_volume,
        no_discovery_client, caplog):
    caplog.set_level(logging.INFO, logger='lightos_cinder')
    target = make_volume(make_type(B), size=1)
    with pytest.raises(cinder_exception.VolumeBackendAPIException):
        drv.create_volume_from_snapshot(target, snapshot)
    temporary = 'volume-%s' % hostcopy.temporary_volume_id(target)
    assert ('cloned into temporary volume %s' % temporary) in caplog.text
    # Both were made (the temporary one in the snapshot's project) and
    # both are gone; the snapshot stays.
    assert ('Created LightOS volume %s' % temporary) in caplog.text
    assert ('Created LightOS volume volume-%s' % target.id) in caplog.text
    _assert_only(sim, source, snapshots=1)


def test_target_creation_failure_removes_the_temporary_volume(
        sim, drv, source, snapshot, make_type, make_volume,
        no_discovery_client, caplog):
    caplog.set_level(logging.INFO, logger='lightos_cinder')
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'status', status=500,
                      path=r'/projects/tenant-b/volumes')
    target = make_volume(make_type(B))
    with pytest.raises(cinder_exception.VolumeBackendAPIException):
        drv.create_volume_from_snapshot(target, snapshot)
    sim.clear_faults()
    temporary = 'volume-%s' % hostcopy.temporary_volume_id(target)
    assert ('Created LightOS volume %s' % temporary) in caplog.text
    assert ('Deleted LightOS volume %s' % temporary) in caplog.text
    _assert_only(sim, source, snapshots=1)


def test_a_missing_source_creates_nothing(sim, drv, projects, make_type,
                                          make_volume):
    missing = make_volume(make_type(A))
    with pytest.raises(cinder_exception.VolumeNotFound):
        drv.create_cloned_volume(make_volume(make_type(B)), missing)
    assert _names(sim, 'tenant-a') == _names(sim, 'tenant-b') == []


def test_same_project_clones_stay_on_the_cluster(sim, drv, source,
                                                 make_type, make_volume):
    # No host involved: no discovery-client is needed.
    clone = make_volume(make_type(A), size=1)
    drv.create_cloned_volume(clone, source)
    record = simstate.volume_named(sim, 'volume-%s' % clone.id, 'tenant-a')
    assert record is not None and record['sourceSnapshotUUID']


def _leftover(drv, sim, target, snapshot):
    """The temporary source a copy that died mid-way left: open to us."""
    uuid = simstate.snapshots(sim, 'tenant-a')[0]['UUID']
    drv._client.create_volume(
        'tenant-a', 'volume-%s' % hostcopy.temporary_volume_id(target),
        units.Gi, replica_count=2, compression=False, acl=[HOST_NQN],
        source_snapshot_uuid=uuid)


def test_a_retried_copy_replaces_what_a_dead_one_left(
        sim, drv, source, snapshot, make_type, make_volume,
        no_discovery_client):
    target = make_volume(make_type(B), size=1, snapshot_id=snapshot.id)
    _leftover(drv, sim, target, snapshot)
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.create_volume_from_snapshot(target, snapshot)
    # The copy failed for want of a discovery-client, not for the leftover.
    assert 'through this host' in str(info.value)
    _assert_only(sim, source, snapshots=1)
