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

"""Asynchronous transitions and what each state forbids."""

from lightos_cinder.simulator import Simulator
from tests.functional.simulator.helpers import Api
from tests.functional.simulator.helpers import settle
from tests.functional.simulator.helpers import wait_for_state

VOLUMES = '/api/v2/projects/default/volumes'
SNAPSHOTS = '/api/v2/projects/default/snapshots'


def test_delays_elapse_on_their_own(tmp_path):
    with Simulator(nodes=1, create_delay_ms=50, update_delay_ms=50,
                   delete_delay_ms=50, workdir=str(tmp_path)) as sim:
        api = Api(sim)
        vol = api.create_volume(replicaCount=1)
        assert vol['state'] == 'Creating'
        wait_for_state(api, vol['UUID'], 'Available')
        api.put('%s/%s' % (VOLUMES, vol['UUID']), {'size': '2 gib'})
        wait_for_state(api, vol['UUID'], 'Available')
        api.delete('%s/%s' % (VOLUMES, vol['UUID']))
        wait_for_state(api, vol['UUID'], None)
        api.close()


def test_create_goes_through_creating_and_forbids_changes(slow_api):
    vol = slow_api.create_volume()
    path = '%s/%s' % (VOLUMES, vol['UUID'])
    assert slow_api.volume(vol['UUID']).json()['state'] == 'Creating'
    busy_put = slow_api.put(path, {'size': '2 gib'})
    assert busy_put.status_code == 503
    assert busy_put.json()['code'] == 14
    assert slow_api.delete(path).status_code == 503
    snap = slow_api.post(SNAPSHOTS, {'name': 's', 'sourceVolumeUUID':
                                     vol['UUID']})
    assert snap.status_code == 400
    available = settle(slow_api, vol['UUID'], 'Available')
    assert available['protectionState'] == 'FullyProtected'
    assert available['ETag'] != vol['ETag']


def test_update_goes_through_updating(slow_api):
    vol = slow_api.create_volume()
    ready = settle(slow_api, vol['UUID'], 'Available')
    path = '%s/%s' % (VOLUMES, vol['UUID'])
    answer = slow_api.put(path, {'acl': {'values': ['ALLOW_ANY']}},
                          headers={'If-Match': ready['ETag']})
    assert answer.status_code == 200
    updating = slow_api.volume(vol['UUID']).json()
    assert updating['state'] == 'Updating'
    assert updating['acl'] == {'values': ['ALLOW_ANY']}
    assert slow_api.put(path, {'size': '2 gib'}).status_code == 503
    assert slow_api.delete(path).status_code == 503
    settle(slow_api, vol['UUID'], 'Available')


def test_delete_goes_through_deleting_then_404(slow_api):
    vol = slow_api.create_volume()
    settle(slow_api, vol['UUID'], 'Available')
    path = '%s/%s' % (VOLUMES, vol['UUID'])
    assert slow_api.delete(path).status_code == 200
    assert slow_api.volume(vol['UUID']).json()['state'] == 'Deleting'
    again = slow_api.delete(path)
    assert again.status_code == 400
    assert slow_api.put(path, {'size': '2 gib'}).status_code == 400
    # Lists hide Deleting volumes unless showAll is set.
    assert slow_api.get(VOLUMES).json()['volumes'] == []
    shown = slow_api.get(VOLUMES + '?showAll=true').json()['volumes']
    assert [v['UUID'] for v in shown] == [vol['UUID']]
    # The name is free again as soon as deletion starts.
    assert slow_api.get(VOLUMES + '/?name=vol-1').status_code == 404
    replacement = slow_api.create_volume()
    assert replacement['UUID'] != vol['UUID']
    settle(slow_api, vol['UUID'], None)


def test_forced_state_cancels_the_pending_transition(slow_sim, slow_api):
    vol = slow_api.create_volume()
    slow_sim.force_volume_state('default', vol['UUID'], 'Migrating')
    migrating = slow_api.volume(vol['UUID']).json()
    assert migrating['state'] == 'Migrating'
    # Migrating volumes stay usable: updates are accepted.
    path = '%s/%s' % (VOLUMES, vol['UUID'])
    assert slow_api.put(path, {'size': '2 gib'}).status_code == 200
    settle(slow_api, vol['UUID'], 'Available')


def test_forced_state_applies_to_snapshots(slow_sim, slow_api):
    vol = slow_api.create_volume()
    settle(slow_api, vol['UUID'], 'Available')
    snap = slow_api.create_snapshot(vol['UUID'])
    slow_sim.force_volume_state('default', snap['UUID'], 'Failed')
    path = '%s/%s' % (SNAPSHOTS, snap['UUID'])
    assert slow_api.get(path).json()['state'] == 'Failed'
    # A Failed snapshot cannot be deleted until the cluster repairs it.
    assert slow_api.delete(path).status_code == 400
    slow_sim.force_volume_state('default', snap['UUID'], 'Available')
    assert slow_api.delete(path).status_code == 200
    settle(slow_api, snap['UUID'], None, kind='snapshots')


def test_snapshot_lifecycle(slow_sim, slow_api):
    vol = slow_api.create_volume(compression='true')
    settle(slow_api, vol['UUID'], 'Available')
    snap = slow_api.create_snapshot(vol['UUID'])
    assert snap['state'] == 'Creating'
    assert 'creationTime' not in snap
    path = '%s/%s' % (SNAPSHOTS, snap['UUID'])
    assert slow_api.delete(path).status_code == 503
    ready = settle(slow_api, snap['UUID'], 'Available', kind='snapshots')
    assert ready['size'] == vol['size']
    assert ready['compression'] is True  # a bool on snapshots
    assert ready['sourceVolumeName'] == 'vol-1'
    assert ready['creationTime']
    assert slow_api.delete(path, headers={'If-Match': 'stale'}
                           ).status_code == 412
    assert slow_api.delete(path).status_code == 200
    assert slow_api.get(path).json()['state'] == 'Deleting'
    settle(slow_api, snap['UUID'], None, kind='snapshots')


def test_snapshot_delete_waits_for_an_updating_source(slow_api):
    vol = slow_api.create_volume()
    settle(slow_api, vol['UUID'], 'Available')
    snap = slow_api.create_snapshot(vol['UUID'])
    settle(slow_api, snap['UUID'], 'Available', kind='snapshots')
    slow_api.put('%s/%s' % (VOLUMES, vol['UUID']), {'size': '2 gib'})
    answer = slow_api.delete('%s/%s' % (SNAPSHOTS, snap['UUID']))
    assert answer.status_code == 503


def test_snapshot_rules(sim, api):
    vol = api.create_volume()
    snap = api.create_snapshot(vol['UUID'])
    assert api.post(SNAPSHOTS, {'name': 'snap-1', 'sourceVolumeName':
                                'vol-1'}).status_code == 409
    assert api.post(SNAPSHOTS, {'name': 'other', 'sourceVolumeName':
                                'nope'}).status_code == 404
    assert api.post(SNAPSHOTS, {'name': 'other'}).status_code == 400
    by_name = api.get(SNAPSHOTS + '/?Name=snap-1')
    assert by_name.status_code == 200
    assert by_name.json()['UUID'] == snap['UUID']
    assert api.get(SNAPSHOTS + '/?name=snap-1').status_code == 400
    missing = api.get(SNAPSHOTS + '/?Name=missing')
    assert missing.status_code == 404
    assert missing.json()['message'] == (
        'snapshot missing not found in project default')
    assert api.get(SNAPSHOTS + '/').json()['message'] == (
        'Either UUID or Name must be provided')
    listed = api.get(SNAPSHOTS).json()['snapshots']
    assert [s['UUID'] for s in listed] == [snap['UUID']]
    sim.fail_next_create('snapshot')
    failed = api.create_snapshot(vol['UUID'], name='snap-2')
    assert api.get('%s/%s' % (SNAPSHOTS, failed['UUID'])).json()[
        'state'] == 'Failed'


def test_clones_from_snapshots(api):
    vol = api.create_volume(size='2 gib', replicaCount=2)
    snap = api.create_snapshot(vol['UUID'])
    clone = api.create_volume('clone', sourceSnapshotName='snap-1',
                              size='4 gib')
    assert clone['sourceSnapshotUUID'] == snap['UUID']
    assert clone['sourceSnapshotName'] == 'snap-1'
    assert clone['size'] == str(4 * 2 ** 30)
    by_uuid = api.create_volume('clone-2', sourceSnapshotUUID=snap['UUID'],
                                size=None)
    assert by_uuid['size'] == vol['size']
    smaller = api.post(VOLUMES, {'name': 'small', 'size': '1 gib',
                                 'replicaCount': 1,
                                 'sourceSnapshotUUID': snap['UUID'],
                                 'acl': {'values': ['ALLOW_NONE']}})
    assert smaller.status_code == 400
    unknown = api.post(VOLUMES, {'name': 'x', 'size': '2 gib',
                                 'replicaCount': 1,
                                 'sourceSnapshotName': 'nope',
                                 'acl': {'values': ['ALLOW_NONE']}})
    assert unknown.status_code == 404
    clones = api.get(VOLUMES + '?snapshotUUID=%s' % snap['UUID']).json()
    assert sorted(v['name'] for v in clones['volumes']) == ['clone',
                                                            'clone-2']


def test_rollback_to_a_snapshot(slow_api):
    vol = slow_api.create_volume()
    settle(slow_api, vol['UUID'], 'Available')
    snap = slow_api.create_snapshot(vol['UUID'])
    settle(slow_api, snap['UUID'], 'Available', kind='snapshots')
    path = '%s/%s' % (VOLUMES, vol['UUID'])
    slow_api.put(path, {'size': '3 gib'})
    settle(slow_api, vol['UUID'], 'Available')
    answer = slow_api.put(path + '/rollback',
                          {'srcSnapshotUUID': snap['UUID']})
    assert answer.status_code == 200 and answer.json() == {}
    assert slow_api.volume(vol['UUID']).json()['state'] == 'Rollback'
    done = settle(slow_api, vol['UUID'], 'Available')
    assert done['size'] == vol['size']
    other = slow_api.create_volume('other')
    settle(slow_api, other['UUID'], 'Available')
    wrong = slow_api.put('%s/%s/rollback' % (VOLUMES, other['UUID']),
                         {'srcSnapshotUUID': snap['UUID']})
    assert wrong.status_code == 400
