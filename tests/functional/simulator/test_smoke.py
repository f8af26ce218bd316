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

"""The simulator starts, serves every node over HTTPS and stops."""

import pytest
import requests

from tests.functional import simstate


def test_every_node_serves_clusterinfo_over_verified_https(sim, api):
    for index, address in enumerate(sim.addresses):
        answer = api.get('/api/v2/clusterinfo', node=index)
        assert answer.status_code == 200
        info = answer.json()
        assert info['subsystemNQN'].startswith('nqn.')
        assert '%s:%d' % (address, sim.port) in info['apiEndpoints']


def test_a_volume_is_visible_through_any_node(sim, api):
    created = api.create_volume('smoke')
    for index in range(len(sim.addresses)):
        answer = api.volume(created['UUID'], node=index)
        assert answer.status_code == 200
        assert answer.json()['name'] == 'smoke'
    [vol] = simstate.volumes(sim)
    assert vol['UUID'] == created['UUID']


def test_unverified_ca_is_refused(sim):
    # Named explicitly: verify=True would use REQUESTS_CA_BUNDLE when the
    # environment sets it, which may well be the simulator's CA.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sim.urls[0] + '/api/v2/version', timeout=5,
                     verify=requests.certs.where())
