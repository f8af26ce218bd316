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

"""Manage and unmanage of volumes and snapshots, checked on the simulator."""

import json

from cinder import exception as cinder_exception
from oslo_utils import units
import pytest

from tests.functional import cinder_objects
from tests.functional import simstate

TENANT = {'lightos:project_name': 'tenant-a'}


def _native(sim, drv, name, size, project='default', acl=None):
    """A volume made on the cluster directly, as an existing estate has."""
    client = drv._client
    created = client.create_volume(
        project, name, size, replica_count=3, compression=False,
        acl=acl or simstate.NONE)
    sim.complete_transitions()
    return client.get_volume(project, created.uuid)


@pytest.mark.parametrize('by', ['source-name', 'source-id'])
def test_manage_renames_and_rounds_up(sim, drv, make_type, make_volume, by):
    sim.create_project('tenant-a')
    native = _native(sim, drv, 'legacy-db', units.Gi + 4096, 'tenant-a')
    volume = make_volume(make_type(TENANT), size=1)
    ref = {by: native.name if by == 'source-name' else native.uuid}
    assert drv.manage_existing_get_size(volume, ref) == 2
    update = drv.manage_existing(volume, ref)
    assert update == {'provider_id': 'tenant-a %s' % native.uuid}
    record = simstate.volume_named(sim, 'volume-%s' % volume.id, 'tenant-a')
    assert record['UUID'] == native.uuid
    assert simstate.size(record) == 2 * units.Gi
    # Later operations find it under its Cinder name.
    cinder_objects.provided(volume, update)
    volume.size = 2
    drv.extend_volume(volume, 3)
    assert simstate.size(simstate.volume_named(
        sim, 'volume-%s' % volume.id, 'tenant-a')) == 3 * units.Gi


def test_unmanage_then_manage_again_as_tempest_does(sim, drv, make_volume):
    volume = make_volume(size=1)
    cinder_objects.provided(volume, drv.create_volume(volume))
    writes = sim.counters()['writes']
    drv.unmanage(volume)
    assert sim.counters()['writes'] == writes
    assert simstate.volume_named(sim, 'volume-%s' % volume.id) is not None
    # tempest: manage_volume_ref = source-name,volume-%s
    again = make_volume(size=1)
    ref = {'source-name': 'volume-%s' % volume.id}
    assert drv.manage_existing_get_size(again, ref) == 1
    drv.manage_existing(again, ref)
    assert simstate.names(simstate.volumes(sim)) == ['volume-%s' % again.id]


@pytest.mark.parametrize('ref,text', [
    ({'source-name': 'nope'}, 'no LightOS volume with source-name nope'),
    ({'source-id': '9f4c2b8e-0000-4000-8000-000000000000'},
     'no LightOS volume with source-id'),
    ({}, 'give the LightOS name'),
    ({'source-name': 'bad name'}, 'not a valid LightOS name'),
])
def test_manage_bad_reference(sim, drv, make_volume, ref, text):
    volume = make_volume()
    with pytest.raises(cinder_exception.ManageExistingInvalidReference) as e:
        drv.manage_existing(volume, ref)
    assert text in str(e.value)


def test_manage_looks_in_the_project_of_the_type(sim, drv, make_type,
                                                 make_volume):
    sim.create_project('tenant-a')
    _native(sim, drv, 'legacy', units.Gi)  # in 'default'
    volume = make_volume(make_type(TENANT))
    with pytest.raises(cinder_exception.ManageExistingInvalidReference) as e:
        drv.manage_existing(volume, {'source-name': 'legacy'})
    assert 'project tenant-a' in str(e.value)


def test_manage_refuses_attached_and_busy_volumes(sim, drv, make_volume):
    nqn = cinder_objects.connector(1)['nqn']
    _native(sim, drv, 'in-use', units.Gi, acl=(nqn,))
    busy = _native(sim, drv, 'busy', units.Gi)
    sim.force_volume_state('default', busy.uuid, 'Updating')
    writes = sim.counters()['writes']
    with pytest.raises(cinder_exception.ManageExistingInvalidReference) as e:
        drv.manage_existing(make_volume(), {'source-name': 'in-use'})
    assert 'open to hosts' in str(e.value) and nqn in str(e.value)
    with pytest.raises(cinder_exception.ManageExistingInvalidReference) as e:
        drv.manage_existing(make_volume(), {'source-name': 'busy'})
    assert 'is Updating' in str(e.value)
    assert sim.counters()['writes'] == writes


def test_manageable_volumes_marks_managed_and_attached(sim, drv, make_type,
                                                       make_volume):
    sim.create_project('tenant-a')
    managed = make_volume(make_type(TENANT))
    cinder_objects.provided(managed, drv.create_volume(managed))
    nqn = cinder_objects.connector(2)['nqn']
    _native(sim, drv, 'open', units.Gi, acl=(nqn,))
    free = _native(sim, drv, 'free', 3 * units.Gi - 1)
    listed = drv.get_manageable_volumes([managed], None, 10, 0,
                                        ['reference'], ['asc'])
    by_name = {e['reference']['source-name']: e for e in listed}
    assert set(by_name) == {'free', 'open', 'volume-%s' % managed.id}
    entry = by_name['free']
    assert entry['safe_to_manage'] and entry['size'] == 3
    assert entry['cinder_id'] is None and free.uuid in entry['extra_info']
    assert not by_name['open']['safe_to_manage']
    assert nqn in by_name['open']['reason_not_safe']
    mine = by_name['volume-%s' % managed.id]
    assert mine['cinder_id'] == managed.id and not mine['safe_to_manage']
    assert 'project=tenant-a' in mine['extra_info']


def _deleting(sim, delete):
    """Run ``delete``; the object stays Deleting until transitions run."""
    sim.cluster.delays.delete = 60
    try:
        delete()
    finally:
        sim.cluster.delays.delete = 0


def _reasons(listed):
    return {e['reference']['source-name']: (e['safe_to_manage'],
                                            e['reason_not_safe'])
            for e in listed}


def test_manageable_lists_leave_out_deleting_and_say_why_not(
        sim, drv, make_volume, make_snapshot):
    client = drv._client
    source = make_volume()
    cinder_objects.provided(source, drv.create_volume(source))
    _native(sim, drv, 'free', units.Gi)
    busy = _native(sim, drv, 'busy', units.Gi)
    sim.force_volume_state('default', busy.uuid, 'Updating')
    gone = _native(sim, drv, 'gone', units.Gi)
    _deleting(sim, lambda: client.delete_volume('default', gone.uuid))
    assert _reasons(drv.get_manageable_volumes(
        [source], None, 10, 0, ['reference'], ['asc'])) == {
            'free': (True, None), 'busy': (False, 'Volume is Updating'),
            'volume-%s' % source.id: (False, 'Already managed by Cinder')}

    uuid = source.provider_id.split()[1]
    managed = make_snapshot(source)
    drv.create_snapshot(managed)
    client.create_snapshot('default', 'free-snap', uuid)
    client.create_snapshot('default', 'for_clone_x', uuid)
    gone = client.create_snapshot('default', 'gone-snap', uuid)
    sim.complete_transitions()
    _deleting(sim, lambda: client.delete_snapshot('default', gone.uuid))
    sim.cluster.delays.create = 60
    try:
        client.create_snapshot('default', 'new-snap', uuid)
    finally:
        sim.cluster.delays.create = 0
    assert _reasons(drv.get_manageable_snapshots(
        [managed], None, 10, 0, ['reference'], ['asc'])) == {
            'free-snap': (True, None),
            'for_clone_x': (False,
                            'Temporary snapshot of a clone in progress'),
            'new-snap': (False, 'Snapshot is Creating'),
            'snapshot-%s' % managed.id: (False, 'Already managed by Cinder')}


def test_manageable_volumes_pages(sim, drv):
    for index in range(5):
        _native(sim, drv, 'v%d' % index, units.Gi)
    first = drv.get_manageable_volumes([], None, 2, 0, ['reference'],
                                       ['asc'])
    assert [e['reference']['source-name'] for e in first] == ['v0', 'v1']
    marker = json.dumps(first[-1]['reference'])
    second = drv.get_manageable_volumes([], marker, 2, 0, ['reference'],
                                        ['asc'])
    assert [e['reference']['source-name'] for e in second] == ['v2', 'v3']
    last = drv.get_manageable_volumes([], None, 2, 4, ['size'], ['desc'])
    assert len(last) == 1


def test_manageable_with_a_project_token(sim, make_driver, make_volume):
    sim.create_project('tenant-a')
    token = sim.mint_token(roles=('tenant-a:admin',))
    system = make_driver()
    _native(sim, system, 'theirs', units.Gi)  # 'default', not readable
    _native(sim, system, 'ours', units.Gi, 'tenant-a')
    # The token may not list projects: the project's own token names it.
    drv = make_driver(lightos_jwt=token,
                      lightos_project_jwts={'tenant-a': token})
    listed = drv.get_manageable_volumes([], None, 10, 0, ['reference'],
                                        ['asc'])
    assert [e['reference']['source-name'] for e in listed] == ['ours']


def test_snapshot_manage_unmanage(sim, drv, make_volume, make_snapshot):
    volume = make_volume()
    cinder_objects.provided(volume, drv.create_volume(volume))
    snapshot = make_snapshot(volume)
    drv.create_snapshot(snapshot)
    name = 'snapshot-%s' % snapshot.id
    drv.unmanage_snapshot(snapshot)
    listed = drv.get_manageable_snapshots([], None, 10, 0, ['reference'],
                                          ['asc'])
    assert [(e['reference'], e['safe_to_manage'], e['source_reference'])
            for e in listed] == [({'source-name': name}, True,
                                  {'source-name': 'volume-%s' % volume.id})]
    # tempest: manage_snapshot_ref = source-name,snapshot-%s
    again = make_snapshot(volume)
    ref = {'source-name': name}
    assert drv.manage_existing_snapshot_get_size(again, ref) == 1
    update = drv.manage_existing_snapshot(again, ref)
    [record] = simstate.snapshots(sim)
    assert update == {'provider_id': 'default %s' % record['UUID']}
    cinder_objects.provided(again, update)
    listed = drv.get_manageable_snapshots([again], None, 10, 0,
                                          ['reference'], ['asc'])
    assert listed[0]['cinder_id'] == again.id
    # The managed snapshot keeps its name and is found by its UUID.
    clone = make_volume(size=2)
    drv.create_volume_from_snapshot(clone, again)
    assert simstate.size(simstate.volume_named(
        sim, 'volume-%s' % clone.id)) == 2 * units.Gi
    drv.delete_snapshot(again)
    assert simstate.snapshots(sim) == []


def test_snapshot_of_another_volume_is_refused(sim, drv, make_volume,
                                               make_snapshot):
    first, second = make_volume(), make_volume()
    for volume in (first, second):
        cinder_objects.provided(volume, drv.create_volume(volume))
    snapshot = make_snapshot(first)
    drv.create_snapshot(snapshot)
    with pytest.raises(cinder_exception.ManageExistingInvalidReference) as e:
        drv.manage_existing_snapshot(
            make_snapshot(second),
            {'source-name': 'snapshot-%s' % snapshot.id})
    assert 'was taken of volume volume-%s' % first.id in str(e.value)
    with pytest.raises(cinder_exception.ManageExistingInvalidReference):
        drv.manage_existing_snapshot(make_snapshot(first),
                                     {'source-name': 'nothing'})
