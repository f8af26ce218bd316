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

"""Volume API of the simulator: validation, lookups, JSON conventions."""

import pytest

from tests.functional import simstate


VOLUMES = '/api/v2/projects/default/volumes'
GIB = 2 ** 30


def _create(api, **fields):
    body = {'name': 'vol-1', 'size': '1 gib', 'replicaCount': 3,
            'acl': {'values': ['ALLOW_NONE']}}
    body.update(fields)
    return api.post(VOLUMES, body)


@pytest.mark.parametrize('text, size', [
    ('4 gib', 4 * GIB),
    ('4GiB', 4 * GIB),
    ('4096b', 4096),
    ('4097', 8192),
    ('1', 4096),
    ('1 kib', 4096),
    ('1 gb', 1000001536),
    ('2 tib', 2 * 2 ** 40),
])
def test_sizes_are_parsed_and_rounded_up_to_4_kib(api, text, size):
    answer = _create(api, size=text)
    assert answer.status_code == 200, answer.text
    assert answer.json()['size'] == str(size)


@pytest.mark.parametrize('size', ['0', '0 gib', '4g', '-1', '1.5 gib',
                                  'lots', 4096, ''])
def test_bad_sizes_are_rejected_with_400(api, size):
    answer = _create(api, size=size)
    assert answer.status_code == 400
    assert set(answer.json()) == {'error', 'code', 'message'}


def test_created_volume_json_follows_the_gateway_conventions(api):
    created = _create(api, replicaCount='2', compression='True').json()
    assert created['state'] == 'Creating'
    assert 'protectionState' not in created  # zero enum omitted
    assert 'creationTime' not in created
    fetched = api.volume(created['UUID']).json()
    assert fetched['state'] == 'Available'
    assert fetched['protectionState'] == 'FullyProtected'
    assert fetched['size'] == str(GIB)          # uint64 as a string
    assert fetched['replicaCount'] == 2         # uint32 as a number
    assert fetched['compression'] == 'true'     # a string on volumes
    assert fetched['IPAcl'] == {'values': ['ALLOW_ANY']}
    assert 'sourceSnapshotUUID' not in fetched  # empty string omitted
    assert len(fetched['nodeList']) == 2


@pytest.mark.parametrize('fields', [
    {'replicaCount': 4},
    {'replicaCount': 0},
    {'replicaCount': None},
    {'replicaCount': 'three'},
    {'name': 'bad name'},
    {'name': 'x' * 254},
    {'name': ''},
    {'name': 'vol-1\n'},
    {'name': 'vol\u00e9'},
    {'acl': {'values': []}},
    {'acl': None},
    {'acl': {'values': ['ALLOW_NONE', 'nqn.2014-08.org.nvmexpress:h1']}},
    {'acl': {'values': ['ALLOW_ANY', 'ALLOW_NONE']}},
    {'IPAcl': {'values': []}},
    {'IPAcl': {'values': ['ALLOW_ANY', '192.0.2.1']}},
    {'IPAcl': {'values': ['not-an-ip']}},
    {'IPAcl': {'values': ['192.0.2.%d' % i for i in range(17)]}},
    {'compression': 'maybe'},
    {'compression': True},
    {'sectorSize': 1024},
])
def test_invalid_create_arguments_are_rejected_with_400(api, fields):
    answer = _create(api, **fields)
    assert answer.status_code == 400, answer.text
    assert answer.json()['code'] == 3


def test_acl_and_ip_acl_accept_their_documented_forms(api):
    ips = ['192.0.2.%d' % i for i in range(15)] + ['2001:db8::1']
    answer = _create(api, acl={'values': ['ALLOW_ANY']},
                     IPAcl={'values': ips})
    assert answer.status_code == 200, answer.text
    assert answer.json()['IPAcl']['values'] == ips


def test_replica_count_is_limited_by_active_nodes(sim, api):
    sim.set_node_state(2, 'Inactive')
    info = api.get('/api/v2/clusterinfo').json()
    assert info['currentMaxReplicas'] == 2
    assert _create(api, replicaCount=3).status_code == 400
    assert _create(api, replicaCount=2).status_code == 200


def test_names_are_unique_per_project(sim, api):
    sim.create_project('tenant-a')
    assert _create(api).status_code == 200
    duplicate = _create(api)
    assert duplicate.status_code == 409
    assert duplicate.json()['code'] == 6
    other = api.post('/api/v2/projects/tenant-a/volumes',
                     {'name': 'vol-1', 'size': '1 gib', 'replicaCount': 1,
                      'acl': {'values': ['ALLOW_NONE']}})
    assert other.status_code == 200


def test_unknown_project_is_404(api):
    answer = api.post('/api/v2/projects/nope/volumes',
                      {'name': 'v', 'size': '1 gib', 'replicaCount': 1,
                       'acl': {'values': ['ALLOW_NONE']}})
    assert answer.status_code == 404


def test_by_name_lookup_needs_the_trailing_slash_and_lower_case_name(api):
    created = _create(api, name='named').json()
    single = api.get(VOLUMES + '/?name=named')
    assert single.status_code == 200
    assert single.json()['UUID'] == created['UUID']
    listed = api.get(VOLUMES + '?name=named')
    assert [v['UUID'] for v in listed.json()['volumes']] == [created['UUID']]
    assert api.get(VOLUMES + '/?Name=named').status_code == 400
    missing = api.get(VOLUMES + '/?name=missing')
    assert missing.status_code == 404
    assert missing.json()['message'] == (
        'volume missing not found in project default')
    nameless = api.get(VOLUMES + '/')
    assert nameless.status_code == 400
    assert nameless.json()['message'] == (
        'Either UUID or name must be provided')


def test_malformed_and_unknown_uuids(api):
    assert api.volume('not-a-uuid').status_code == 400
    missing = api.volume('6f0c2f6e-0f6a-4e8e-9d0e-2f0f3a1c7b11')
    assert missing.status_code == 404
    assert missing.json()['code'] == 5


def test_list_pages_with_offset_uuid_and_limit(api):
    created = sorted(_create(api, name='v%d' % i).json()['UUID']
                     for i in range(5))
    seen, offset = [], ''
    while True:
        page = api.get(VOLUMES + '?limit=2&offsetUUID=%s' % offset).json()
        if not page['volumes']:
            break
        seen += [vol['UUID'] for vol in page['volumes']]
        offset = seen[-1]
    assert seen == created
    assert api.get(VOLUMES + '?limit=1001').status_code == 400


def test_update_returns_empty_object_and_changes_the_etag(api):
    vol = _create(api).json()
    before = api.volume(vol['UUID']).json()
    answer = api.put('%s/%s' % (VOLUMES, vol['UUID']),
                     {'acl': {'values': ['nqn.2014-08.org.nvmexpress:h1']},
                      'IPAcl': {'values': ['192.0.2.7']}},
                     headers={'If-Match': before['ETag']})
    assert answer.status_code == 200
    assert answer.json() == {}
    after = api.volume(vol['UUID']).json()
    assert after['ETag'] != before['ETag']
    assert after['acl'] == {'values': ['nqn.2014-08.org.nvmexpress:h1']}
    assert after['IPAcl'] == {'values': ['192.0.2.7']}
    assert after['size'] == before['size']  # absent fields stay


def test_stale_if_match_gets_412(sim, api):
    vol = _create(api).json()
    etag = api.volume(vol['UUID']).json()['ETag']
    sim.bump_etag('default', vol['UUID'])
    path = '%s/%s' % (VOLUMES, vol['UUID'])
    stale = api.put(path, {'size': '2 gib'}, headers={'If-Match': etag})
    assert stale.status_code == 412
    assert api.delete(path, headers={'If-Match': etag}).status_code == 412
    assert api.volume(vol['UUID']).json()['size'] == str(GIB)


def test_extend_and_shrink(api):
    vol = _create(api).json()
    path = '%s/%s' % (VOLUMES, vol['UUID'])
    # Cinder's in-tree driver sends the UUID in the body too.
    assert api.put(path, {'UUID': vol['UUID'], 'size': '3 gib'}
                   ).status_code == 200
    assert api.volume(vol['UUID']).json()['size'] == str(3 * GIB)
    assert api.put(path, {'size': '2 gib'}).status_code == 400
    assert api.put(path, {'size': '2 gib', 'Force': True}).status_code == 200
    assert api.volume(vol['UUID']).json()['size'] == str(2 * GIB)


def test_failed_volume_cannot_be_updated_or_deleted(sim, api):
    sim.fail_next_create('volume')
    vol = _create(api).json()
    failed = api.volume(vol['UUID']).json()
    assert failed['state'] == 'Failed'
    path = '%s/%s' % (VOLUMES, vol['UUID'])
    assert api.put(path, {'size': '2 gib'}).status_code == 400
    assert api.delete(path).status_code == 400
    assert _create(api, name='vol-2').json()['state'] == 'Creating'
    assert api.volume(_create(api, name='vol-3').json()['UUID']).json()[
        'state'] == 'Available'


def test_delete_answers_empty_object_and_the_volume_is_gone(sim, api):
    vol = _create(api).json()
    answer = api.delete('%s/%s' % (VOLUMES, vol['UUID']))
    assert answer.status_code == 200 and answer.json() == {}
    assert api.volume(vol['UUID']).status_code == 404
    assert simstate.volumes(sim) == []


def test_qos_policy_by_uuid_and_unknown_policy(sim, api):
    policy = sim.create_qos_policy('gold')
    vol = _create(api, qosPolicyUUID=policy).json()
    assert vol['qosPolicyUUID'] == policy
    assert vol['qosPolicyName'] == 'gold'
    listed = api.get('/api/v2/policies').json()['policies']
    assert [p['UUID'] for p in listed] == [policy]
    bad = _create(api, name='vol-2',
                  qosPolicyUUID='6f0c2f6e-0f6a-4e8e-9d0e-2f0f3a1c7b11')
    assert bad.status_code == 400
    path = '%s/%s' % (VOLUMES, vol['UUID'])
    silver = sim.create_qos_policy('silver')
    assert api.put(path, {'qosPolicyUUID': silver}).status_code == 200
    assert api.volume(vol['UUID']).json()['qosPolicyName'] == 'silver'


def test_cluster_capacity_moves_with_volumes(api):
    def stats():
        return api.get('/api/v2/cluster').json()['statistics']
    empty = stats()
    _create(api, size='10 gib', replicaCount=2)
    _create(api, name='vol-2', size='6 gib', replicaCount=1)
    used = stats()
    # 64-bit byte counts are decimal strings; the ratio is a number.
    assert used['logicalStorage'] == str(16 * GIB)
    free_before = int(empty['estimatedFreeLogicalStorage'])
    free_after = int(used['estimatedFreeLogicalStorage'])
    assert free_before - free_after == 26 * GIB
    assert used['compressionRatio'] == 1.0
    assert int(used['installedPhysicalStorage']) > 0


def test_routes_without_a_project_in_the_path(api):
    vol = _create(api).json()
    answer = api.get('/api/v2/volumes/%s?projectName=default' % vol['UUID'])
    assert answer.status_code == 200
    assert answer.json()['name'] == 'vol-1'


def test_unknown_route_and_wrong_method(api):
    missing = api.get('/api/v2/nothing-here')
    assert missing.status_code == 404
    assert missing.json() == {'error': 'Not Found', 'code': 5,
                              'message': 'Not Found'}
    assert api.call('PATCH', VOLUMES).status_code == 501


def test_version(api):
    assert api.get('/api/v2/version').json() == {'apiVersion': 'v2.0'}


def test_invalid_json_body_is_400(api):
    answer = api.call('POST', VOLUMES, data='{not json',
                      headers={'Content-Type': 'application/json'})
    assert answer.status_code == 400
