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

"""Revert to snapshot, retype in place and same-cluster migration."""

from cinder import exception as cinder_exception
from cinder import objects
from oslo_utils import units
import pytest

from lightos_cinder.volume import qos
from tests.functional import cinder_objects
from tests.functional import simstate


@pytest.fixture
def snapped(sim, drv, make_volume, make_snapshot):
    volume = make_volume(size=1)
    cinder_objects.provided(volume, drv.create_volume(volume))
    snapshot = make_snapshot(volume)
    drv.create_snapshot(snapshot)
    return volume, snapshot


def test_revert_uses_rollback_and_keeps_the_size(sim, make_driver, snapped):
    drv = make_driver()
    volume, snapshot = snapped
    drv.extend_volume(volume, 2)
    volume.size = 2
    drv.revert_to_snapshot(None, volume, snapshot)
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record['state'] == 'Available'
    assert simstate.size(record) == 2 * units.Gi
    routes = [route for node in sim.counters()['nodes'].values()
              for route in node['routes']]
    assert any(r.startswith('PUT ') and r.endswith('/rollback')
               for r in routes)


def test_revert_waits_through_the_rollback_state(sim, make_driver,
                                                 make_volume, make_snapshot):
    drv = make_driver()
    volume = make_volume(size=1)
    cinder_objects.provided(volume, drv.create_volume(volume))
    snapshot = make_snapshot(volume)
    drv.create_snapshot(snapshot)
    sim.cluster.delays.update = 0.3
    try:
        drv.revert_to_snapshot(None, volume, snapshot)
    finally:
        sim.cluster.delays.update = 0
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record['state'] == 'Available'


def test_revert_refuses_an_attached_volume(sim, drv, snapped):
    volume, snapshot = snapped
    drv.initialize_connection(volume, cinder_objects.connector(1))
    writes = sim.counters()['writes']
    with pytest.raises(cinder_exception.InvalidVolume) as info:
        drv.revert_to_snapshot(None, volume, snapshot)
    assert 'detach it' in str(info.value)
    assert sim.counters()['writes'] == writes


def test_revert_refuses_another_volumes_snapshot(sim, drv, snapped,
                                                 make_volume, make_snapshot):
    volume, _ = snapped
    other = make_volume()
    cinder_objects.provided(other, drv.create_volume(other))
    foreign = make_snapshot(other)
    drv.create_snapshot(foreign)
    # A snapshot object pointing at this volume but holding the other's
    # LightOS snapshot.
    [theirs] = [s for s in simstate.snapshots(sim)
                if s['name'] == 'snapshot-%s' % foreign.id]
    foreign.provider_id = 'default %s' % theirs['UUID']
    foreign.volume = volume
    with pytest.raises(cinder_exception.InvalidSnapshot) as info:
        drv.revert_to_snapshot(None, volume, foreign)
    assert 'its own' in str(info.value)


def test_revert_to_a_missing_snapshot(sim, drv, snapped, make_snapshot):
    volume, _ = snapped
    with pytest.raises(cinder_exception.SnapshotNotFound):
        drv.revert_to_snapshot(None, volume, make_snapshot(volume))


def test_retype_compression_and_qos_in_place(sim, drv, make_type,
                                             make_volume):
    old = sim.create_qos_policy('slow')
    new = sim.create_qos_policy('fast')
    volume = make_volume(make_type({'lightos:qos_policy': old}))
    cinder_objects.provided(volume, drv.create_volume(volume))
    diff = {'extra_specs': {'lightos:qos_policy': (old, new),
                            'compression': (None, '<is> True')}}
    assert drv.retype(None, volume, None, diff, 'host') is True
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record['qosPolicyUUID'] == new and record['compression'] == 'true'


@pytest.mark.parametrize('diff', [
    {'extra_specs': {'lightos:num_replicas': ('3', '2')}},
    {'extra_specs': {'lightos:project_name': (None, 'tenant-b')}},
    {'encryption': {'provider': (None, 'luks')}},
])
def test_retype_needing_migration(sim, drv, make_volume, diff):
    volume = make_volume()
    cinder_objects.provided(volume, drv.create_volume(volume))
    writes = sim.counters()['writes']
    assert drv.retype(None, volume, None, diff, 'host') is False
    assert sim.counters()['writes'] == writes


def test_retype_dropping_the_policy_migrates(sim, drv, make_type,
                                             make_volume):
    policy = sim.create_qos_policy('slow')
    volume = make_volume(make_type({'lightos:qos_policy': policy}))
    cinder_objects.provided(volume, drv.create_volume(volume))
    diff = {'extra_specs': {'lightos:qos_policy': (policy, None)}}
    assert drv.retype(None, volume, None, diff, 'host') is False


def test_retype_maps_qos_specs_onto_a_policy(sim, drv, make_volume):
    sim.create_qos_policy('slow', limits={'limitIOPS': {
        'readIOPSLimit': '100', 'writeIOPSLimit': '50'}})
    fast = sim.create_qos_policy('fast', limits={'limitIOPS': {
        'readIOPSLimit': '9000', 'writeIOPSLimit': '5000'}})
    bw = sim.create_qos_policy('bw', limits={'limitBw': {
        'readBWLimit': '200', 'writeBWLimit': '100'}})
    volume = make_volume()
    cinder_objects.provided(volume, drv.create_volume(volume))
    diff = {'qos_specs': {'consumer': (None, 'back-end'),
                          'read_iops_sec': (None, '9000'),
                          'write_iops_sec': (None, '5000')}}
    assert drv.retype(None, volume, None, diff, 'host') is True
    assert simstate.volume_named(
        sim, 'volume-%s' % volume.id)['qosPolicyUUID'] == fast
    diff = {'qos_specs': {'consumer': ('back-end', 'both'),
                          'read_bytes_sec': (None, '200000000'),
                          'write_bytes_sec': (None, '100000000')}}
    assert drv.retype(None, volume, None, diff, 'host') is True
    assert simstate.volume_named(
        sim, 'volume-%s' % volume.id)['qosPolicyUUID'] == bw


@pytest.mark.parametrize('qos,text', [
    ({'read_iops_sec': '1', 'write_iops_sec': '2'}, 'match no LightOS'),
    ({'total_iops_sec': '100'}, 'cannot express'),
    ({'read_iops_sec': 'many', 'write_iops_sec': '2'}, 'not a whole'),
])
def test_retype_with_unmappable_qos_specs(sim, drv, make_volume, qos, text):
    volume = make_volume()
    cinder_objects.provided(volume, drv.create_volume(volume))
    writes = sim.counters()['writes']
    diff = {'qos_specs': {key: (None, value) for key, value in qos.items()}}
    with pytest.raises(cinder_exception.InvalidVolumeType) as info:
        drv.retype(None, volume, None, diff, 'host')
    assert text in str(info.value)
    assert sim.counters()['writes'] == writes


def test_front_end_qos_needs_nothing(sim, drv, make_volume):
    volume = make_volume()
    cinder_objects.provided(volume, drv.create_volume(volume))
    diff = {'qos_specs': {'consumer': (None, 'front-end'),
                          'total_iops_sec': (None, '500')}}
    assert drv.retype(None, volume, None, diff, 'host') is True


def test_migrate_between_backends_of_one_cluster(sim, make_driver,
                                                 make_volume):
    source, destination = make_driver(), make_driver()
    volume = make_volume()
    cinder_objects.provided(volume, source.create_volume(volume))
    stats = destination.get_volume_stats(refresh=True)
    assert stats['location_info'] == 'LightOSVolumeDriver:%s' % (
        source._cluster.info.uuid)
    writes = sim.counters()['writes']
    host = {'host': 'cinder@lightos-2#lightos-2', 'capabilities': stats}
    moved, update = source.migrate_volume(None, volume, host)
    assert moved is True
    assert update == {'provider_id': volume.provider_id}
    assert sim.counters()['writes'] == writes
    # The destination driver finds and deletes it.
    destination.delete_volume(volume)
    assert simstate.volumes(sim) == []


def test_migrate_to_another_cluster_is_a_copy(sim, drv, make_volume):
    volume = make_volume()
    cinder_objects.provided(volume, drv.create_volume(volume))
    host = {'host': 'cinder@other', 'capabilities': {
        'location_info': 'LightOSVolumeDriver:another'}}
    assert drv.migrate_volume(None, volume, host) == (False, None)
    assert drv.migrate_volume(None, volume, {'host': 'x',
                                             'capabilities': {}}) == (
        False, None)


def test_create_with_qos_specs_on_the_type(sim, ctx, drv, make_type,
                                           make_volume):
    policy = sim.create_qos_policy('fast', limits={'limitIOPS': {
        'readIOPSLimit': '9000', 'writeIOPSLimit': '5000'}})
    vtype = make_type()
    vtype.qos_specs_id = 'abc'
    vtype.qos_specs = objects.QualityOfServiceSpecs(
        context=ctx, id='abc', name='gold', consumer='both',
        specs={'read_iops_sec': '9000', 'write_iops_sec': '5000'})
    volume = make_volume(vtype)
    assert qos.qos_specs_of(volume) == {'read_iops_sec': '9000',
                                        'write_iops_sec': '5000',
                                        'consumer': 'both'}
    drv.create_volume(volume)
    assert simstate.volume_named(
        sim, 'volume-%s' % volume.id)['qosPolicyUUID'] == policy
    vtype.qos_specs.specs = {'read_iops_sec': '1', 'write_iops_sec': '1'}
    writes = sim.counters()['writes']
    with pytest.raises(cinder_exception.InvalidVolumeType):
        drv.create_volume(make_volume(vtype))
    assert sim.counters()['writes'] == writes
