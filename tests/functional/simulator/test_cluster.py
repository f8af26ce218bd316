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

"""Cluster, node, project and QoS policy endpoints of the simulator."""

from lightos_cinder.simulator import Simulator
from tests.functional.simulator.helpers import Api

UNKNOWN = '6f0c2f6e-0f6a-4e8e-9d0e-2f0f3a1c7b11'


def test_clusterinfo_lists_every_endpoint(sim, api):
    info = api.get('/api/v2/clusterinfo').json()
    assert info['UUID'] and info['currentMaxReplicas'] == 3
    assert info['supportedMaxReplicas'] == 3
    assert info['discoveryEndpoints'] == [
        '%s:8009' % ip for ip in sim.addresses]
    assert info['nvmeEndpoints'] == ['%s:4420' % ip for ip in sim.addresses]
    assert info['subsystemNQN'].endswith(info['UUID'])


def test_nodes_filters_and_lookup(sim, api):
    nodes = api.get('/api/v2/nodes').json()['nodes']
    assert [node['nvmeEndpoint'] for node in nodes] == [
        '%s:4420' % ip for ip in sim.addresses]
    assert all(node['state'] == 'Active' for node in nodes)
    second = nodes[1]
    by_name = api.get('/api/v2/nodes?name=%s' % second['name']).json()
    assert [n['UUID'] for n in by_name['nodes']] == [second['UUID']]
    by_domain = api.get('/api/v2/nodes?failureDomain=%s'
                        % second['failureDomains'][0]).json()
    assert [n['UUID'] for n in by_domain['nodes']] == [second['UUID']]
    both = api.get('/api/v2/nodes?name=%s&UUID=%s'
                   % (second['name'], second['UUID']))
    assert both.status_code == 400
    one = api.get('/api/v2/nodes/%s' % second['UUID'])
    assert one.json()['nvmeEndpoint'] == '%s:4420' % sim.addresses[1]
    assert api.get('/api/v2/nodes/%s' % UNKNOWN).status_code == 404
    sim.set_node_state(0, 'Inactive')
    health = api.get('/api/v2/cluster').json()['health']
    assert health == {'state': 'Warning', 'numInactiveNodes': 1}


def test_projects(sim, api):
    created = api.post('/api/v2/projects', {'name': 'tenant-a',
                                            'description': 'A'})
    assert created.status_code == 200
    assert api.post('/api/v2/projects',
                    {'name': 'tenant-a'}).status_code == 409
    assert api.post('/api/v2/projects',
                    {'name': 'bad/name'}).status_code == 400
    names = [p['name'] for p in api.get('/api/v2/projects').json()[
        'projects']]
    assert names == ['default', 'tenant-a']
    project = api.get('/api/v2/projects/tenant-a').json()
    assert project['name'] == 'tenant-a' and project['description'] == 'A'
    api.create_volume(project='tenant-a', replicaCount=1)
    assert api.delete('/api/v2/projects/tenant-a').status_code == 400
    assert api.delete('/api/v2/projects/default').status_code == 400
    sim.create_project('empty')
    assert api.delete('/api/v2/projects/empty').status_code == 200
    assert api.get('/api/v2/projects/empty').status_code == 404


def test_qos_policies(sim, api):
    created = api.post('/api/v2/policies', {
        'name': 'gold', 'qoSRateLimitPolicy': {
            'limitIOPS': {'readIOPSLimit': '500', 'writeIOPSLimit': '100'}}})
    assert created.status_code == 200
    policy = created.json()
    assert policy['state'] == 'Active'
    path = '/api/v2/policies/%s' % policy['UUID']
    assert api.put(path, {'description': 'faster'}).status_code == 200
    assert api.get(path).json()['description'] == 'faster'
    api.create_volume(qosPolicyName='gold')
    assert api.delete(path).status_code == 400  # still in use
    assert api.get('/api/v2/policies/%s' % UNKNOWN).status_code == 404
    token = sim.mint_token(roles=['default:admin'], kid='default:k')
    assert api.post('/api/v2/policies', {'name': 'x'},
                    token=token).status_code == 403


def test_etag_mismatch_status_can_be_400(tmp_path):
    with Simulator(nodes=1, etag_mismatch_status=400,
                   workdir=str(tmp_path)) as sim:
        api = Api(sim)
        vol = api.create_volume(replicaCount=1)
        path = '/api/v2/projects/default/volumes/%s' % vol['UUID']
        stale = api.put(path, {'size': '2 gib'},
                        headers={'If-Match': vol['ETag']})
        assert stale.status_code == 400
        assert stale.json()['code'] == 9  # FailedPrecondition
        current = api.volume(vol['UUID']).json()['ETag']
        assert api.put(path, {'size': '2 gib'},
                       headers={'If-Match': current}).status_code == 200
        api.close()
