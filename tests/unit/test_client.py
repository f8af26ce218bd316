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

"""The LightOS REST client: URLs, bodies and records, over requests-mock."""

import pytest

from lightos_cinder.api import client
from lightos_cinder.api import exception
from lightos_cinder.api import models
from lightos_cinder.api import transport

BASE = 'https://127.0.0.11:443/api/v2'
VOL_UUID = '6c7b1a2e-32c4-4a0f-9d57-1c6f4b7f7e01'
SNAP_UUID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'


def volume_json(name='volume-1', uuid=VOL_UUID, **extra):
    data = {
        'UUID': uuid, 'name': name, 'projectName': 'default',
        'size': '4294967296', 'state': 'Available',
        'protectionState': 'FullyProtected', 'replicaCount': 3,
        'compression': 'true', 'acl': {'values': ['ALLOW_NONE']},
        'IPAcl': {'values': ['ALLOW_ANY']}, 'ETag': 'e1', 'nsid': 7,
        'nodeList': ['n1', 'n2', 'n3'],
        'statistics': {'logicalUsedStorage': '4096',
                       'physicalUsedStorage': '2048'},
    }
    data.update(extra)
    return data


def snapshot_json(name='snapshot-1', uuid=SNAP_UUID, **extra):
    data = {'UUID': uuid, 'name': name, 'projectName': 'default',
            'size': '4294967296', 'state': 'Creating',
            'sourceVolumeUUID': VOL_UUID, 'sourceVolumeName': 'volume-1',
            'ETag': 's1', 'compression': True, 'replicaCount': 3}
    data.update(extra)
    return data


@pytest.fixture
def lightos():
    tr = transport.Transport(['127.0.0.11'], 443, sleep=lambda s: None)
    yield client.LightOSClient(tr)
    tr.close()


# --- names and paths ------------------------------------------------------

BAD_NAMES = ['', '.', '..', '../x', 'a/b', 'a b', 'a%2Fb', 'a?b', 'a#b',
             'x' * 254, 'é', None, 7, 'vol-1\n', 'vol-1\nx']


@pytest.mark.parametrize('name', BAD_NAMES)
def test_bad_project_names_never_reach_the_server(mock, lightos, name):
    with pytest.raises(exception.InvalidName):
        lightos.get_volume(name, VOL_UUID)
    with pytest.raises(exception.InvalidName):
        lightos.list_snapshots(name)
    with pytest.raises(exception.InvalidName):
        lightos.get_project(name)
    assert mock.request_history == []


@pytest.mark.parametrize('name', BAD_NAMES)
def test_bad_volume_and_snapshot_names(mock, lightos, name):
    with pytest.raises(exception.InvalidName):
        lightos.create_volume('default', name, 4096, replica_count=1,
                              compression=False)
    with pytest.raises(exception.InvalidName):
        lightos.find_volume('default', name)
    with pytest.raises(exception.InvalidName):
        lightos.create_snapshot('default', name, VOL_UUID)
    with pytest.raises(exception.InvalidName):
        lightos.find_snapshot('default', name)
    if name is not None:        # new_name=None means "keep the name"
        with pytest.raises(exception.InvalidName):
            lightos.update_volume('default', VOL_UUID, new_name=name)
    assert mock.request_history == []


@pytest.mark.parametrize('uuid', ['', '.', '..', '../../nodes', 'a/b',
                                  'a?b', None])
def test_bad_uuids_never_reach_the_server(mock, lightos, uuid):
    calls = [
        lambda: lightos.get_volume('default', uuid),
        lambda: lightos.delete_volume('default', uuid),
        lambda: lightos.update_volume('default', uuid, size_bytes=4096),
        lambda: lightos.get_snapshot('default', uuid),
        lambda: lightos.delete_snapshot('default', uuid),
        lambda: lightos.rollback_volume('default', VOL_UUID, uuid),
        lambda: lightos.create_snapshot('default', 's', uuid),
        lambda: lightos.get_qos_policy(uuid),
    ]
    for call in calls:
        with pytest.raises(exception.InvalidName):
            call()
    assert mock.request_history == []


@pytest.mark.parametrize('name', ['a', 'A-b_c.d', 'x' * 253, '...', '0'])
def test_good_names_are_accepted(name):
    assert client.validate_name(name) == name


def test_project_scoped_paths(mock, lightos):
    mock.get(BASE + '/projects/proj_1.a-b/volumes/' + VOL_UUID,
             json=volume_json())
    lightos.get_volume('proj_1.a-b', VOL_UUID)
    assert mock.last_request.path == (
        '/api/v2/projects/proj_1.a-b/volumes/' + VOL_UUID.lower())


# --- cluster --------------------------------------------------------------

def test_get_version(mock, lightos):
    mock.get(BASE + '/version', json={'apiVersion': 'v2.0'})
    assert lightos.get_version() == 'v2.0'


def test_cluster_info(mock, lightos):
    mock.get(BASE + '/clusterinfo', json={
        'UUID': 'c1', 'subsystemNQN': 'nqn.2016-01.com.lightbitslabs:uuid:c1',
        'currentMaxReplicas': 3, 'supportedMaxReplicas': 3,
        'nvmeEndpoints': ['127.0.0.11:4420'],
        'discoveryEndpoints': ['127.0.0.11:8009']})
    info = lightos.get_cluster_info()
    assert isinstance(info, models.ClusterInfo)
    assert info.subsystem_nqn.startswith('nqn.')
    assert info.current_max_replicas == 3
    assert info.nvme_endpoints == ('127.0.0.11:4420',)


def test_cluster_stats(mock, lightos):
    mock.get(BASE + '/cluster', json={'statistics': {
        'estimatedFreeLogicalStorage': '1099511627776',
        'compressionRatio': 1.5}})
    stats = lightos.get_cluster_stats()
    assert stats.estimated_free_logical == 1099511627776
    assert stats.compression_ratio == 1.5


def test_cluster_stats_forbidden_for_project_tokens(mock, lightos):
    mock.get(BASE + '/cluster', status_code=403,
             json={'message': 'Permission denied'})
    with pytest.raises(exception.Forbidden):
        lightos.get_cluster_stats()


def test_list_nodes(mock, lightos):
    mock.get(BASE + '/nodes', json={'nodes': [
        {'UUID': 'n1', 'name': 'server0-0', 'state': 'Active',
         'nvmeEndpoint': '127.0.0.11:4420'},
        {'UUID': 'n2', 'name': 'server1-0', 'state': 'Inactive',
         'nvmeEndpoint': '[::1]:4420'}]})
    nodes = lightos.list_nodes()
    assert [n.state for n in nodes] == [models.NodeState.ACTIVE,
                                        models.NodeState.INACTIVE]
    assert [n.data_ip for n in nodes] == ['127.0.0.11', '::1']


def test_projects(mock, lightos):
    mock.get(BASE + '/projects', json={'projects': [
        {'UUID': 'p1', 'name': 'default'}, {'UUID': 'p2', 'name': 'a'}]})
    mock.get(BASE + '/projects/a', json={'UUID': 'p2', 'name': 'a'})
    assert [p.name for p in lightos.list_projects()] == ['default', 'a']
    assert lightos.get_project('a') == models.Project(uuid='p2', name='a')


def test_empty_lists(mock, lightos):
    mock.get(BASE + '/nodes', json={})
    mock.get(BASE + '/projects', json={'projects': []})
    mock.get(BASE + '/policies', json={})
    assert lightos.list_nodes() == []
    assert lightos.list_projects() == []
    assert lightos.list_qos_policies() == []


# --- volumes --------------------------------------------------------------

def test_create_volume_body_and_record(mock, lightos):
    mock.post(BASE + '/projects/default/volumes',
              json=volume_json(state='Creating', protectionState=None))
    vol = lightos.create_volume('default', 'volume-1', 4 * 1024 ** 3,
                                replica_count=3, compression=True)
    assert mock.last_request.json() == {
        'name': 'volume-1', 'size': '4294967296b', 'replicaCount': 3,
        'compression': 'true', 'acl': {'values': ['ALLOW_NONE']},
        'IPAcl': {'values': ['ALLOW_ANY']}}
    assert mock.last_request.method == 'POST'
    assert vol.state is models.VolumeState.CREATING
    assert vol.protection_state is models.ProtectionState.UNKNOWN
    assert vol.size == 4294967296
    assert vol.compression is True
    assert vol.acl == ('ALLOW_NONE',)


def test_create_clone_with_policy(mock, lightos):
    mock.post(BASE + '/projects/default/volumes', json=volume_json())
    lightos.create_volume('default', 'clone-1', 8192, replica_count=2,
                          compression=False, acl=('nqn.host',),
                          ip_acl=('127.0.0.1',),
                          source_snapshot_uuid=SNAP_UUID,
                          qos_policy_uuid='pol-1')
    body = mock.last_request.json()
    assert body['sourceSnapshotUUID'] == SNAP_UUID
    assert body['qosPolicyUUID'] == 'pol-1'
    assert body['compression'] == 'false'
    assert body['acl'] == {'values': ['nqn.host']}
    assert body['IPAcl'] == {'values': ['127.0.0.1']}


@pytest.mark.parametrize('size', [0, -4096])
def test_create_volume_rejects_bad_size(mock, lightos, size):
    with pytest.raises(ValueError):
        lightos.create_volume('default', 'v', size, replica_count=1,
                              compression=False)
    assert mock.request_history == []


def test_create_volume_conflict(mock, lightos):
    mock.post(BASE + '/projects/default/volumes', status_code=409,
              json={'message': 'A volume with the provided name already '
                               'exists'})
    with pytest.raises(exception.Conflict):
        lightos.create_volume('default', 'v', 4096, replica_count=1,
                              compression=False)


def test_get_volume_record(mock, lightos):
    mock.get(BASE + '/projects/default/volumes/' + VOL_UUID,
             json=volume_json())
    vol = lightos.get_volume('default', VOL_UUID)
    assert vol == models.Volume.from_json(volume_json())
    assert vol.etag == 'e1'
    assert vol.node_uuids == ('n1', 'n2', 'n3')
    assert vol.logical_used == 4096


def test_get_volume_not_found(mock, lightos):
    mock.get(BASE + '/projects/default/volumes/' + VOL_UUID, status_code=404)
    with pytest.raises(exception.NotFound):
        lightos.get_volume('default', VOL_UUID)


def test_find_volume_uses_trailing_slash_and_lower_case_name(mock, lightos):
    mock.get(BASE + '/projects/default/volumes/', json=volume_json())
    vol = lightos.find_volume('default', 'volume-1')
    assert vol.uuid == VOL_UUID
    assert mock.last_request.path == '/api/v2/projects/default/volumes/'
    assert mock.last_request.query == 'name=volume-1'


def test_find_volume_absent(mock, lightos):
    mock.get(BASE + '/projects/default/volumes/', status_code=404)
    assert lightos.find_volume('default', 'volume-1') is None


def test_find_volume_tolerates_a_list_answer(mock, lightos):
    mock.get(BASE + '/projects/default/volumes/', json={'volumes': [
        volume_json('other', 'u-0'), volume_json('volume-1')]})
    assert lightos.find_volume('default', 'volume-1').uuid == VOL_UUID
    assert lightos.find_volume('default', 'volume-2') is None


def test_find_volume_ignores_a_different_name(mock, lightos):
    mock.get(BASE + '/projects/default/volumes/', json=volume_json('other'))
    assert lightos.find_volume('default', 'volume-1') is None


def test_find_volume_other_errors_raise(mock, lightos):
    mock.get(BASE + '/projects/default/volumes/', status_code=403)
    with pytest.raises(exception.Forbidden):
        lightos.find_volume('default', 'volume-1')


@pytest.mark.parametrize('status', [200, 404])
def test_find_by_uuid_gets_the_record_or_none(mock, lightos, status):
    mock.get(BASE + '/projects/default/volumes/' + VOL_UUID,
             json=volume_json(), status_code=status)
    mock.get(BASE + '/projects/default/snapshots/' + SNAP_UUID,
             json=snapshot_json(), status_code=status)
    found = [lightos.find_volume('default', uuid=VOL_UUID),
             lightos.find_snapshot('default', uuid=SNAP_UUID)]
    if status == 404:
        assert found == [None, None]
    else:
        assert [record.uuid for record in found] == [VOL_UUID, SNAP_UUID]
    assert mock.call_count == 2


def test_list_volumes_follows_offset_paging(mock, lightos):
    vols = [volume_json('v%d' % i, 'u-%d' % i) for i in range(5)]

    def page(request, context):
        offset = request.qs.get('offsetUUID', [None])[0]
        limit = int(request.qs['limit'][0])
        start = 0 if offset is None else [v['UUID'] for v in vols].index(
            offset) + 1
        return {'volumes': vols[start:start + limit]}

    mock.get(BASE + '/projects/default/volumes', json=page)
    result = lightos.list_volumes('default', page_size=2)
    assert [v.name for v in result] == ['v0', 'v1', 'v2', 'v3', 'v4']
    assert [r.query for r in mock.request_history] == [
        'limit=2', 'limit=2&offsetUUID=u-1', 'limit=2&offsetUUID=u-3']


def test_list_volumes_exact_multiple_of_page_size(mock, lightos):
    mock.get(BASE + '/projects/default/volumes', [
        {'json': {'volumes': [volume_json('a', 'u-a'),
                              volume_json('b', 'u-b')]}},
        {'json': {'volumes': []}}])
    assert len(lightos.list_volumes('default', page_size=2)) == 2
    assert len(mock.request_history) == 2


def test_list_volumes_stops_when_offset_is_ignored(mock, lightos):
    mock.get(BASE + '/projects/default/volumes', json={'volumes': [
        volume_json('a', 'u-a'), volume_json('b', 'u-b')]})
    assert len(lightos.list_volumes('default', page_size=2)) == 2
    assert len(mock.request_history) == 2


@pytest.mark.parametrize('page_size', [0, 1001])
def test_list_page_size_bounds(mock, lightos, page_size):
    with pytest.raises(ValueError):
        lightos.list_volumes('default', page_size=page_size)


def test_update_volume_sends_only_given_fields(mock, lightos):
    mock.put(BASE + '/projects/default/volumes/' + VOL_UUID, json={})
    assert lightos.update_volume('default', VOL_UUID, etag='e1',
                                 acl=['nqn.a', 'nqn.b']) is None
    assert mock.last_request.json() == {'acl': {'values': ['nqn.a',
                                                           'nqn.b']}}
    assert mock.last_request.headers['If-Match'] == 'e1'
    lightos.update_volume('default', VOL_UUID, ip_acl=('ALLOW_NONE',),
                          size_bytes=8192, compression=False,
                          qos_policy_uuid='pol-2', new_name='renamed')
    assert mock.last_request.json() == {
        'IPAcl': {'values': ['ALLOW_NONE']}, 'size': '8192b',
        'compression': 'false', 'qosPolicyUUID': 'pol-2',
        'newName': 'renamed'}
    assert 'If-Match' not in mock.last_request.headers


def test_update_volume_needs_a_change(mock, lightos):
    with pytest.raises(ValueError):
        lightos.update_volume('default', VOL_UUID, etag='e1')
    assert mock.request_history == []


@pytest.mark.parametrize('status,cls', [
    (412, exception.PreconditionFailed),
    (400, exception.BadRequest),
])
def test_update_volume_etag_mismatch_raises(mock, lightos, status, cls):
    mock.put(BASE + '/projects/default/volumes/' + VOL_UUID,
             status_code=status, json={'message': 'Etag mismatch'})
    with pytest.raises(cls):
        lightos.update_volume('default', VOL_UUID, etag='old', acl=['x'])
    assert len(mock.request_history) == 1


def test_delete_volume(mock, lightos):
    mock.delete(BASE + '/projects/default/volumes/' + VOL_UUID, json={})
    assert lightos.delete_volume('default', VOL_UUID, etag='e1') is None
    assert mock.last_request.headers['If-Match'] == 'e1'
    lightos.delete_volume('default', VOL_UUID)
    assert 'If-Match' not in mock.last_request.headers


def test_delete_volume_not_found_raises(mock, lightos):
    mock.delete(BASE + '/projects/default/volumes/' + VOL_UUID,
                status_code=404)
    with pytest.raises(exception.NotFound):
        lightos.delete_volume('default', VOL_UUID)


def test_rollback_volume(mock, lightos):
    mock.put(BASE + '/projects/default/volumes/%s/rollback' % VOL_UUID,
             json={})
    lightos.rollback_volume('default', VOL_UUID, SNAP_UUID)
    assert mock.last_request.json() == {'srcSnapshotUUID': SNAP_UUID}


# --- snapshots ------------------------------------------------------------

def test_create_snapshot(mock, lightos):
    mock.post(BASE + '/projects/default/snapshots', json=snapshot_json())
    snap = lightos.create_snapshot('default', 'snapshot-1', VOL_UUID,
                                   description='for clone')
    assert mock.last_request.json() == {
        'name': 'snapshot-1', 'sourceVolumeUUID': VOL_UUID,
        'description': 'for clone'}
    assert snap.state is models.SnapshotState.CREATING
    assert snap.compression is True
    assert snap.source_volume_uuid == VOL_UUID


def test_create_snapshot_description_limit(mock, lightos):
    with pytest.raises(ValueError):
        lightos.create_snapshot('default', 's', VOL_UUID,
                                description='é' * 129)
    assert mock.request_history == []


def test_get_and_delete_snapshot(mock, lightos):
    path = BASE + '/projects/default/snapshots/' + SNAP_UUID
    mock.get(path, json=snapshot_json(state='Available'))
    mock.delete(path, json={})
    assert lightos.get_snapshot('default', SNAP_UUID).state is (
        models.SnapshotState.AVAILABLE)
    lightos.delete_snapshot('default', SNAP_UUID, etag='s1')
    assert mock.last_request.headers['If-Match'] == 's1'


def test_find_snapshot_uses_capital_name(mock, lightos):
    mock.get(BASE + '/projects/default/snapshots/', json=snapshot_json())
    assert lightos.find_snapshot('default', 'snapshot-1').uuid == SNAP_UUID
    assert mock.last_request.path == '/api/v2/projects/default/snapshots/'
    assert mock.last_request.query == 'Name=snapshot-1'
    mock.get(BASE + '/projects/default/snapshots/', status_code=404)
    assert lightos.find_snapshot('default', 'snapshot-1') is None


def test_list_snapshots(mock, lightos):
    mock.get(BASE + '/projects/default/snapshots', json={'snapshots': [
        snapshot_json('a', 'u-a'), snapshot_json('b', 'u-b')]})
    assert [s.name for s in lightos.list_snapshots('default')] == ['a', 'b']
    assert mock.last_request.query == 'limit=1000'


# --- QoS ------------------------------------------------------------------

def test_qos_policies(mock, lightos):
    policy = {'UUID': 'pol-1', 'name': 'gold', 'state': 'Active',
              'qoSRateLimitPolicy': {'limitIOPS': {'readIOPSLimit': '1000'}}}
    mock.get(BASE + '/policies', json={'policies': [policy]})
    mock.get(BASE + '/policies/pol-1', json=policy)
    assert [p.name for p in lightos.list_qos_policies()] == ['gold']
    got = lightos.get_qos_policy('pol-1')
    assert got.limits == {'limitIOPS': {'readIOPSLimit': '1000'}}
