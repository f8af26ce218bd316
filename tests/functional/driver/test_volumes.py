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

"""Volume and snapshot lifecycle of the driver, checked on the simulator."""

from cinder import exception as cinder_exception
from oslo_utils import units
import pytest

from tests.functional import cinder_objects
from tests.functional import simstate

GOLD = {'lightos:num_replicas': '3', 'compression': '<is> True',
        'lightos:project_name': 'tenant-a'}
SILVER = {'lightos:num_replicas': '2', 'compression': '<is> True',
          'lightos:project_name': 'tenant-b'}
BRONZE = {'lightos:num_replicas': '1', 'compression': '<is> False'}


@pytest.fixture
def projects(sim):
    sim.create_project('tenant-a')
    sim.create_project('tenant-b')


def test_gold_silver_bronze_and_untyped(sim, drv, projects, make_type,
                                        make_volume):
    made = {}
    for label, extra_specs in (('gold', GOLD), ('silver', SILVER),
                               ('bronze', BRONZE), ('untyped', None)):
        vtype = make_type(extra_specs) if extra_specs else None
        volume = make_volume(vtype, size=2)
        made[label] = (volume, drv.create_volume(volume))

    expected = {'gold': ('tenant-a', 3, True), 'silver': ('tenant-b', 2, True),
                'bronze': ('default', 1, False),
                'untyped': ('default', 3, False)}
    for label, (volume, update) in made.items():
        project, replicas, compression = expected[label]
        record = simstate.volume_named(sim, 'volume-%s' % volume.id, project)
        assert record is not None, label
        assert update == {'provider_id': '%s %s' % (project, record['UUID'])}
        assert record['replicaCount'] == replicas
        assert record['compression'] == str(compression).lower()
        assert simstate.size(record) == 2 * units.Gi
        assert record['state'] == 'Available'
        assert record['acl']['values'] == simstate.NONE
        assert record['IPAcl']['values'] == simstate.NONE
    assert len(simstate.volumes(sim, 'default')) == 2
    assert len(simstate.volumes(sim, 'tenant-a')) == 1
    assert len(simstate.volumes(sim, 'tenant-b')) == 1


def test_qos_policy_and_ipacl_off(sim, make_driver, make_type, make_volume):
    drv = make_driver(lightos_use_ipacl=False,
                      lightos_default_compression_enabled=True,
                      lightos_default_num_replicas=2)
    policy = sim.create_qos_policy('gold-iops')
    volume = make_volume(make_type({'lightos:qos_policy': policy}))
    drv.create_volume(volume)
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record['qosPolicyUUID'] == policy
    assert record['IPAcl']['values'] == simstate.ANY
    assert record['acl']['values'] == simstate.NONE
    assert record['replicaCount'] == 2
    assert record['compression'] == 'true'


@pytest.mark.parametrize('extra_specs,spec', [
    ({'lightos:num_replicas': '5'}, 'lightos:num_replicas'),
    ({'compression': 'maybe'}, 'compression'),
    ({'lightos:project_name': 'no such/project'}, 'lightos:project_name'),
    ({'lightos:qos_policy': 'fast'}, 'lightos:qos_policy'),
    # Misspelt keys would otherwise put the volume in the default project,
    # or give it 3 replicas, or no compression.
    ({'lightos:projectname': 'tenant-a'}, 'did you mean lightos:project_name'),
    ({'lightos:num_replica': '2'}, 'did you mean lightos:num_replicas'),
    ({'lightos:compression': '<is> True'}, 'did you mean compression?'),
])
def test_bad_specs_send_no_write(sim, drv, make_type, make_volume,
                                 make_snapshot, extra_specs, spec):
    source = make_volume()
    cinder_objects.provided(source, drv.create_volume(source))
    snapshot = make_snapshot(source)
    drv.create_snapshot(snapshot)
    writes = sim.counters()['writes']
    bad = make_type(extra_specs)
    for action in (lambda: drv.create_volume(make_volume(bad)),
                   lambda: drv.create_volume_from_snapshot(make_volume(bad),
                                                           snapshot),
                   lambda: drv.create_cloned_volume(make_volume(bad),
                                                    source)):
        with pytest.raises(cinder_exception.InvalidVolumeType) as info:
            action()
        assert spec in str(info.value)
    assert sim.counters()['writes'] == writes


def test_create_is_idempotent_by_name(sim, drv, make_volume):
    volume = make_volume()
    first = drv.create_volume(volume)
    again = drv.create_volume(volume)
    assert first == again
    assert len(simstate.volumes(sim)) == 1


def test_create_refuses_a_different_volume_of_that_name(sim, drv, make_type,
                                                        make_volume):
    volume = make_volume(size=1)
    drv.create_volume(volume)
    volume.size = 3
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.create_volume(volume)
    assert volume.id in str(info.value)
    assert 'already exists' in str(info.value)
    assert simstate.size(simstate.volume_named(
        sim, 'volume-%s' % volume.id)) == units.Gi


def test_create_rejected_by_the_cluster_leaves_nothing(sim, drv,
                                                       make_volume):
    for node in range(3):
        sim.set_fault(node, 'status', status=500, path=r'/volumes$')
    volume = make_volume()
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.create_volume(volume)
    assert volume.id in str(info.value) and 'default' in str(info.value)
    sim.clear_faults()
    assert simstate.volumes(sim) == []


def test_volume_failing_on_the_cluster(sim, drv, make_volume, caplog):
    """A volume that ends Failed cannot be deleted through the API."""
    sim.fail_next_create('volume')
    volume = make_volume()
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.create_volume(volume)
    assert volume.id in str(info.value) and 'Failed' in str(info.value)
    [left] = simstate.volumes(sim)
    assert left['state'] == 'Failed'
    assert left['UUID'] in caplog.text and 'remove it on the cluster' in (
        caplog.text)
    # A retry explains what blocks it instead of adopting the failure.
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.create_volume(volume)
    assert 'left Failed' in str(info.value) and left['UUID'] in str(info.value)


def test_snapshot_failing_on_the_cluster(sim, drv, make_volume,
                                         make_snapshot, caplog):
    """A snapshot that ends Failed is named for the operator to remove."""
    volume = make_volume()
    cinder_objects.provided(volume, drv.create_volume(volume))
    sim.fail_next_create('snapshot')
    snapshot = make_snapshot(volume)
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.create_snapshot(snapshot)
    assert 'Failed' in str(info.value)
    [left] = simstate.snapshots(sim)
    assert left['state'] == 'Failed'
    [record] = [r for r in caplog.records if r.levelname == 'ERROR']
    assert 'LightOS snapshot snapshot-%s (UUID %s' % (
        snapshot.id, left['UUID']) in record.getMessage()
    assert 'remove it on the cluster' in record.getMessage()


def test_create_fails_over_when_a_node_is_down(sim, drv, make_volume):
    sim.set_fault(0, 'down')
    sim.set_fault(1, 'down')
    volume = make_volume()
    update = drv.create_volume(volume)
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert update['provider_id'] == 'default %s' % record['UUID']
    served = sim.counters()['nodes'][sim.addresses[2]]['routes']
    assert any(route.startswith('POST ') for route in served)


def test_delete(sim, drv, make_volume):
    volume = make_volume()
    cinder_objects.provided(volume, drv.create_volume(volume))
    drv.delete_volume(volume)
    assert simstate.volumes(sim) == []
    # Absent and twice are both success.
    drv.delete_volume(volume)
    drv.delete_volume(make_volume())


def test_delete_volume_without_provider_id(sim, drv, make_volume):
    volume = make_volume()
    drv.create_volume(volume)
    drv.delete_volume(volume)
    assert simstate.volumes(sim) == []


def test_extend(sim, drv, make_volume):
    volume = make_volume(size=1)
    cinder_objects.provided(volume, drv.create_volume(volume))
    drv.extend_volume(volume, 5)
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert simstate.size(record) == 5 * units.Gi
    assert record['state'] == 'Available'


def test_extend_missing_volume(sim, drv, make_volume):
    volume = make_volume()
    with pytest.raises(cinder_exception.VolumeNotFound) as info:
        drv.extend_volume(volume, 2)
    assert volume.id in str(info.value) and 'default' in str(info.value)


def test_snapshot_then_larger_volume(sim, drv, projects, make_type,
                                     make_volume, make_snapshot):
    gold = make_type(GOLD)
    source = make_volume(gold, size=1)
    cinder_objects.provided(source, drv.create_volume(source))
    snapshot = make_snapshot(source)
    drv.create_snapshot(snapshot)
    snap = [s for s in simstate.snapshots(sim, 'tenant-a')
            if s['name'] == 'snapshot-%s' % snapshot.id]
    assert len(snap) == 1 and snap[0]['state'] == 'Available'

    target = make_volume(gold, size=4)
    update = drv.create_volume_from_snapshot(target, snapshot)
    record = simstate.volume_named(sim, 'volume-%s' % target.id, 'tenant-a')
    assert update == {'provider_id': 'tenant-a %s' % record['UUID']}
    assert simstate.size(record) == 4 * units.Gi
    assert record['sourceSnapshotUUID'] == snap[0]['UUID']

    drv.delete_snapshot(snapshot)
    assert simstate.snapshots(sim, 'tenant-a') == []
    drv.delete_snapshot(snapshot)


def test_snapshot_create_is_idempotent_by_name(sim, drv, make_volume,
                                               make_snapshot):
    source = make_volume()
    cinder_objects.provided(source, drv.create_volume(source))
    snapshot = make_snapshot(source)
    drv.create_snapshot(snapshot)
    drv.create_snapshot(snapshot)
    [snap] = simstate.snapshots(sim)
    assert snap['name'] == 'snapshot-%s' % snapshot.id
    assert snap['state'] == 'Available'


def test_snapshot_of_a_busy_volume_is_tried_again(sim, drv, make_volume,
                                                  make_snapshot):
    source = make_volume()
    cinder_objects.provided(source, drv.create_volume(source))
    for node in range(3):
        sim.set_fault(node, 'status', status=500, count=1,
                      path=r'/snapshots$')
    snapshot = make_snapshot(source)
    drv.create_snapshot(snapshot)
    [snap] = simstate.snapshots(sim)
    assert snap['name'] == 'snapshot-%s' % snapshot.id


def test_clone_larger_leaves_no_snapshot(sim, drv, make_volume):
    source = make_volume(size=1)
    cinder_objects.provided(source, drv.create_volume(source))
    clone = make_volume(size=2)
    update = drv.create_cloned_volume(clone, source)
    record = simstate.volume_named(sim, 'volume-%s' % clone.id)
    assert update == {'provider_id': 'default %s' % record['UUID']}
    assert simstate.size(record) == 2 * units.Gi
    assert record['state'] == 'Available'
    assert simstate.snapshots(sim) == []


@pytest.mark.parametrize('path', [r'/snapshots$', r'/volumes$'])
def test_clone_with_a_failing_step_leaves_nothing(sim, make_driver,
                                                  make_volume, path):
    drv = make_driver(lightos_api_service_snapshots_max_calls=2)
    source = make_volume(size=1)
    cinder_objects.provided(source, drv.create_volume(source))
    for node in range(3):
        sim.set_fault(node, 'status', status=500, path=path)
    clone = make_volume(size=2)
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.create_cloned_volume(clone, source)
    assert clone.id in str(info.value)
    sim.clear_faults()
    assert simstate.snapshots(sim) == []
    assert [v['name'] for v in simstate.volumes(sim)] == [
        'volume-%s' % source.id]


def test_clone_failing_on_the_cluster_removes_the_snapshot(sim, drv,
                                                           make_volume):
    source = make_volume(size=1)
    cinder_objects.provided(source, drv.create_volume(source))
    sim.fail_next_create('volume')
    clone = make_volume(size=1)
    with pytest.raises(cinder_exception.VolumeBackendAPIException):
        drv.create_cloned_volume(clone, source)
    assert simstate.snapshots(sim) == []
    failed = simstate.volume_named(sim, 'volume-%s' % clone.id)
    assert failed['state'] == 'Failed'


def test_delete_removes_what_a_failed_clone_left(sim, drv, make_volume):
    source = make_volume(size=1)
    cinder_objects.provided(source, drv.create_volume(source))
    clone = make_volume(size=1)
    source_uuid = simstate.volume_named(sim, 'volume-%s' % source.id)['UUID']
    drv._client.create_snapshot('default', 'for_clone_%s' % clone.id,
                                source_uuid)
    drv.delete_volume(clone)
    assert simstate.snapshots(sim) == []


def test_update_provider_info_sends_nothing(sim, drv, projects, make_type,
                                            make_volume):
    typed = make_volume(make_type(GOLD))
    untyped = make_volume()
    stamped = make_volume(provider_id='tenant-b 1234')
    bad = make_volume(make_type({'lightos:project_name': 'bad name'}))
    before = sim.counters()
    volume_updates, snapshot_updates = drv.update_provider_info(
        [typed, untyped, stamped, bad], [])
    assert sim.counters() == before
    assert snapshot_updates is None
    assert volume_updates == [{'id': typed.id, 'provider_id': 'tenant-a'},
                              {'id': untyped.id, 'provider_id': 'default'}]


def test_project_only_provider_id_resolves_by_name(sim, drv, projects,
                                                   make_type, make_volume):
    volume = make_volume(make_type(GOLD))
    drv.create_volume(volume)
    volume.provider_id = 'tenant-a'
    drv.extend_volume(volume, 2)
    assert simstate.size(simstate.volume_named(
        sim, 'volume-%s' % volume.id, 'tenant-a')) == 2 * units.Gi


def test_retype_changes_qos_in_place(sim, drv, make_type, make_volume):
    old = sim.create_qos_policy('slow')
    new = sim.create_qos_policy('fast')
    volume = make_volume(make_type({'lightos:qos_policy': old}))
    cinder_objects.provided(volume, drv.create_volume(volume))
    diff = {'extra_specs': {'lightos:qos_policy': (old, new)}}
    assert drv.retype(None, volume, None, diff, 'host') is True
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record['qosPolicyUUID'] == new
    moved = {'extra_specs': {'lightos:num_replicas': ('3', '2')}}
    assert drv.retype(None, volume, None, moved, 'host') is False


def test_clone_does_not_await_its_snapshot_removal(sim, drv, make_volume,
                                                   caplog):
    source = make_volume(size=1)
    cinder_objects.provided(source, drv.create_volume(source))
    clone = make_volume(size=1)
    # Longer than the state wait timeout: awaiting it would time out.
    sim.cluster.delays.delete = 60
    try:
        cinder_objects.provided(clone, drv.create_cloned_volume(clone, source))
        [snapshot] = simstate.snapshots(sim)
    finally:
        sim.cluster.delays.delete = 0
    assert snapshot['name'] == 'for_clone_%s' % clone.id
    # Requested before the clone returned, and nothing to warn about.
    assert snapshot['state'] == 'Deleting'
    assert [r for r in caplog.records if r.levelname == 'WARNING'] == []
    sim.complete_transitions()
    assert simstate.snapshots(sim) == []
    assert simstate.volume_named(
        sim, 'volume-%s' % clone.id)['state'] == 'Available'
