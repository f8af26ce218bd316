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

"""Helpers of the simulator contract tests: a plain requests client."""

import requests

from lightos_cinder.api import exception
from lightos_cinder.api import waiters


class Api:
    """Calls one simulator over real HTTPS, verifying its CA."""

    def __init__(self, sim, token=None, node=0):
        self.sim = sim
        self.token = sim.system_token if token is None else token
        self.node = node
        self.session = requests.Session()
        # Passed on every call: a Session's own ``verify`` loses to
        # REQUESTS_CA_BUNDLE in the environment.
        self.verify = sim.ca_path if sim.tls else False

    def url(self, path, node=None):
        index = self.node if node is None else node
        return self.sim.urls[index] + path

    def call(self, method, path, *, json=None, data=None, headers=None,
             node=None, token=None, timeout=10):
        sent = {'Accept': 'application/json'}
        bearer = self.token if token is None else token
        if bearer:
            sent['Authorization'] = 'Bearer %s' % bearer
        sent.update(headers or {})
        return self.session.request(method, self.url(path, node), json=json,
                                    data=data, headers=sent, timeout=timeout,
                                    verify=self.verify)

    def get(self, path, **kwargs):
        return self.call('GET', path, **kwargs)

    def post(self, path, body, **kwargs):
        return self.call('POST', path, json=body, **kwargs)

    def put(self, path, body, **kwargs):
        return self.call('PUT', path, json=body, **kwargs)

    def delete(self, path, **kwargs):
        return self.call('DELETE', path, **kwargs)

    def create_volume(self, name='vol-1', project='default', **fields):
        body = {'name': name, 'size': '1 gib', 'replicaCount': 3,
                'acl': {'values': ['ALLOW_NONE']}}
        body.update(fields)
        answer = self.post('/api/v2/projects/%s/volumes' % project, body)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def create_snapshot(self, volume_uuid, name='snap-1', project='default'):
        answer = self.post('/api/v2/projects/%s/snapshots' % project,
                           {'name': name, 'sourceVolumeUUID': volume_uuid})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def volume(self, uuid, project='default', **kwargs):
        return self.get('/api/v2/projects/%s/volumes/%s' % (project, uuid),
                        **kwargs)

    def close(self):
        self.session.close()


def wait_until(probe, timeout=5.0, what='condition'):
    """Poll ``probe`` until truthy; fail the test after ``timeout``."""
    def ready():
        result = probe()
        if not result:
            raise exception.NotReady(repr(result))
        return result
    try:
        return waiters.wait_for(ready, timeout=timeout, what=what,
                                interval=0.01, max_interval=0.2)
    except exception.WaitTimeout as exc:
        raise AssertionError(str(exc)) from None


def wait_for_state(api, uuid, state, project='default', kind='volumes'):
    def probe():
        answer = api.get('/api/v2/projects/%s/%s/%s' % (project, kind, uuid))
        if state is None:
            return answer.status_code == 404
        return answer.status_code == 200 and \
            answer.json()['state'] == state and answer.json()
    return wait_until(probe, what='%s %s to be %s' % (kind, uuid, state))


def settle(api, uuid, state, project='default', kind='volumes'):
    """Complete pending transitions; check and return the record."""
    api.sim.complete_transitions()
    answer = api.get('/api/v2/projects/%s/%s/%s' % (project, kind, uuid))
    if state is None:
        assert answer.status_code == 404, answer.text
        return None
    assert answer.status_code == 200, answer.text
    assert answer.json()['state'] == state
    return answer.json()
