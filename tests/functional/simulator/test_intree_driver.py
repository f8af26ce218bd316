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

"""Cinder's in-tree LightOS driver, unmodified, against the simulator.

A client written by someone else is the test of the simulator's fidelity:
every call below goes over HTTPS to the simulated nodes, and the checks are
on the simulator's state, not on what the driver returned.
"""

import pytest

from tests.functional import cinder_objects
from tests.functional import intree
from tests.functional import simstate

GIB = 2 ** 30


@pytest.fixture(scope='module')
def coordinator(tmp_path_factory):
    with intree.coordinator(tmp_path_factory.mktemp('locks')) as coord:
        yield coord


@pytest.fixture
def driver(sim, coordinator):
    sim.create_project('tenant')
    with intree.intree_driver(sim) as drv:
        yield drv


def _volumes(sim, project):
    return simstate.by_name(simstate.volumes(sim, project))


def _snapshots(sim, project):
    return simstate.by_name(simstate.snapshots(sim, project))


def test_setup_reads_cluster_info_and_nodes(sim, driver):
    info = sim.state()['nodes']
    assert set(driver.cluster.targets) == {node['UUID'] for node in info}
    assert driver.cluster.subsystemNQN.startswith('nqn.')
    routes = {}
    for node in sim.counters()['nodes'].values():
        for route, count in node['routes'].items():
            routes[route] = routes.get(route, 0) + count
    assert routes == {'GET /api/v2/clusterinfo': 1, 'GET /api/v2/nodes': 1}


def test_volume_lifecycle_with_typed_specs(sim, driver):
    vtype = intree.volume_type({'compression': '<is> True',
                                'lightos:num_replicas': '2',
                                'lightos:project_name': 'tenant'})
    vol = intree.volume(size=1, vtype=vtype)
    provider_id = intree.create_volume(driver, vol)
    [created] = _volumes(sim, 'tenant').values()
    if intree.RECORDS_PROVIDER_ID:
        assert provider_id == 'tenant %s' % created['UUID']
    assert created['name'] == 'volume-%s' % vol.id
    assert created['state'] == 'Available'
    assert created['replicaCount'] == 2
    assert created['compression'] == 'true'
    assert created['size'] == str(GIB)
    assert created['acl'] == {'values': ['ALLOW_NONE']}
    assert created['IPAcl'] == {'values': ['ALLOW_NONE']}

    driver.extend_volume(vol, 3)
    assert _volumes(sim, 'tenant')[created['name']]['size'] == str(3 * GIB)

    driver.delete_volume(vol)
    assert _volumes(sim, 'tenant') == {}


def test_a_type_without_specs_uses_the_configured_defaults(sim, driver):
    # Always typed: the in-tree driver cannot create an untyped volume
    # (_get_volume_specs returns three values there instead of four).
    vol = intree.volume(size=2, vtype=intree.volume_type({}))
    driver.create_volume(vol)
    [created] = _volumes(sim, 'default').values()
    assert created['replicaCount'] == 3
    assert created['compression'] == 'false'
    assert created['size'] == str(2 * GIB)


def test_snapshots_clones_and_volumes_from_snapshots(sim, driver):
    vtype = intree.volume_type({'lightos:project_name': 'tenant',
                                'lightos:num_replicas': '3'})
    source = intree.volume(size=1, vtype=vtype)
    intree.create_volume(driver, source)
    snap = intree.snapshot(source)
    driver.create_snapshot(snap)
    [lightos_snap] = _snapshots(sim, 'tenant').values()
    assert lightos_snap['name'] == 'snapshot-%s' % snap.id
    assert lightos_snap['state'] == 'Available'
    assert lightos_snap['sourceVolumeName'] == 'volume-%s' % source.id

    from_snap = intree.volume(size=2, vtype=vtype)
    driver.create_volume_from_snapshot(from_snap, snap)
    restored = _volumes(sim, 'tenant')['volume-%s' % from_snap.id]
    assert restored['sourceSnapshotUUID'] == lightos_snap['UUID']
    assert restored['size'] == str(2 * GIB)

    clone = intree.volume(size=1, vtype=vtype)
    driver.create_cloned_volume(clone, source)
    cloned = _volumes(sim, 'tenant')['volume-%s' % clone.id]
    assert cloned['sourceSnapshotName'] == 'for_clone_%s' % clone.id
    # The intermediate snapshot is gone; the user's snapshot stays.
    assert list(_snapshots(sim, 'tenant')) == [lightos_snap['name']]

    driver.delete_snapshot(snap)
    assert _snapshots(sim, 'tenant') == {}
    for vol in (source, from_snap, clone):
        driver.delete_volume(vol)
    assert _volumes(sim, 'tenant') == {}


def test_attach_and_detach_manage_both_acls(sim, driver):
    vol = intree.volume(size=1, vtype=intree.volume_type({}))
    intree.create_volume(driver, vol)
    connector = cinder_objects.connector(
        1, ips=['192.0.2.10', '2001:db8::10'])
    info = driver.initialize_connection(vol, connector)
    [attached] = _volumes(sim, 'default').values()
    assert attached['acl'] == {'values': [connector['nqn']]}
    assert sorted(attached['IPAcl']['values']) == sorted(
        connector['host_ips'])

    # The attach data os-brick's LightOS connector consumes.
    assert info['driver_volume_type'] == 'lightos'
    data = info['data']
    assert data['uuid'] == attached['UUID']
    cluster_info = sim.cluster.cluster_info()
    assert data['subsysnqn'] == cluster_info['subsystemNQN']
    assert data['lightos_nodes'] == {
        ip: {'target_portal': ip, 'target_port': 8009,
             'transport_type': 'tcp'} for ip in sim.addresses}

    driver.terminate_connection(vol, connector)
    [detached] = _volumes(sim, 'default').values()
    assert detached['acl'] == {'values': ['ALLOW_NONE']}
    assert detached['IPAcl'] == {'values': ['ALLOW_NONE']}
    assert detached['ETag'] != attached['ETag']


def test_qos_policy_from_the_volume_type(sim, driver):
    policy = sim.create_qos_policy('gold')
    vtype = intree.volume_type({'lightos:qos_policy': policy})
    vol = intree.volume(size=1, vtype=vtype)
    driver.create_volume(vol)
    [created] = _volumes(sim, 'default').values()
    assert created['qosPolicyUUID'] == policy
    assert created['qosPolicyName'] == 'gold'


def test_create_is_idempotent_by_name(sim, driver):
    vol = intree.volume(size=1, vtype=intree.volume_type({}))
    first = driver.create_volume(vol)
    second = driver.create_volume(vol)
    assert first == second
    assert len(_volumes(sim, 'default')) == 1
