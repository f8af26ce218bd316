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

"""JWT authentication and role-based authorization of the simulator."""

import os
import stat

import jwt
import pytest

from lightos_cinder.simulator import auth
from lightos_cinder.simulator import errors
from lightos_cinder.simulator import Simulator
from tests.functional.simulator.helpers import Api

VOLUME = {'name': 'v', 'size': '1 gib', 'replicaCount': 1,
          'acl': {'values': ['ALLOW_NONE']}}


def test_missing_malformed_and_expired_tokens_get_401(sim, api):
    expired = sim.mint_token(expires_in=-60)
    for token in ('', 'garbage', 'a.b.c', expired):
        answer = api.get('/api/v2/clusterinfo', token=token or False)
        assert answer.status_code == 401, token
        assert answer.json()['code'] == 16
        if token:
            assert token not in answer.text


def test_a_token_signed_by_an_unregistered_key_gets_401(sim, api):
    forged = auth.mint(auth.generate_key(), 'system:root',
                       ['system:cluster-admin'])
    assert api.get('/api/v2/clusterinfo', token=forged).status_code == 401
    unknown_kid = auth.mint(auth.generate_key(), 'system:nobody',
                            ['system:cluster-admin'])
    assert api.get('/api/v2/clusterinfo',
                   token=unknown_kid).status_code == 401


def test_non_bearer_scheme_gets_401(sim, api):
    answer = api.get('/api/v2/clusterinfo', token=False, headers={
        'Authorization': 'Basic %s' % sim.system_token})
    assert answer.status_code == 401


def test_system_token_layout(sim):
    header = jwt.get_unverified_header(sim.system_token)
    claims = jwt.decode(sim.system_token,
                        options={'verify_signature': False})
    assert header['alg'] == 'RS256' and header['kid'] == 'system:root'
    assert claims['roles'] == ['system:cluster-admin']
    assert claims['aud'] == 'LightOS' and claims['exp'] > claims['iat']


def test_project_admin_is_confined_to_its_project(sim, api):
    sim.create_project('tenant-a')
    sim.create_project('tenant-b')
    token = sim.mint_token(roles=['tenant-a:admin'], kid='tenant-a:key')
    own = api.post('/api/v2/projects/tenant-a/volumes', VOLUME, token=token)
    assert own.status_code == 200
    uuid = own.json()['UUID']
    path = '/api/v2/projects/tenant-a/volumes/%s' % uuid
    assert api.get(path, token=token).status_code == 200
    assert api.put(path, {'size': '2 gib'}, token=token).status_code == 200
    other = api.post('/api/v2/projects/tenant-b/volumes', VOLUME,
                     token=token)
    assert other.status_code == 403
    assert other.json()['code'] == 7
    assert api.get('/api/v2/projects/tenant-b/volumes',
                   token=token).status_code == 403
    # 403 (not 404) even for a project that does not exist.
    assert api.get('/api/v2/projects/ghost/volumes',
                   token=token).status_code == 403
    assert api.get('/api/v2/projects/ghost/volumes').status_code == 404
    assert api.delete(path, token=token).status_code == 200


def test_project_tokens_read_clusterinfo_but_not_cluster_or_nodes(sim, api):
    token = sim.mint_token(roles=['default:admin'], kid='default:admin')
    assert api.get('/api/v2/clusterinfo', token=token).status_code == 200
    assert api.get('/api/v2/policies', token=token).status_code == 200
    for path in ('/api/v2/cluster', '/api/v2/nodes', '/api/v2/projects'):
        assert api.get(path, token=token).status_code == 403, path
    assert api.get('/api/v2/nodes').status_code == 200


def test_viewer_reads_but_cannot_write(sim, api):
    vol = api.create_volume()
    token = sim.mint_token(roles=['default:viewer'], kid='default:viewer')
    path = '/api/v2/projects/default/volumes/%s' % vol['UUID']
    assert api.get(path, token=token).status_code == 200
    assert api.get('/api/v2/projects/default/volumes',
                   token=token).status_code == 200
    assert api.put(path, {'size': '2 gib'}, token=token).status_code == 403
    assert api.delete(path, token=token).status_code == 403
    assert api.post('/api/v2/projects/default/volumes', VOLUME,
                    token=token).status_code == 403


def test_a_project_key_cannot_grant_system_roles(sim, api):
    token = sim.mint_token(roles=['system:cluster-admin', 'default:admin'],
                           kid='default:sneaky')
    assert api.get('/api/v2/cluster', token=token).status_code == 403
    assert api.get('/api/v2/projects/default/volumes',
                   token=token).status_code == 200


def test_a_system_key_may_sign_project_roles(sim, api):
    token = sim.mint_token(roles=['default:admin'])
    assert api.get('/api/v2/projects/default/volumes',
                   token=token).status_code == 200
    assert api.get('/api/v2/cluster', token=token).status_code == 403


def test_credentials_uploaded_through_the_api_verify_tokens(sim, api):
    key = auth.generate_key()
    answer = api.post('/api/v2/projects/default/credentials',
                      {'ID': 'uploaded', 'type': 'RS256PubKey',
                       'payload': auth.public_pem(key)})
    assert answer.status_code == 200
    token = auth.mint(key, 'default:uploaded', ['default:admin'])
    assert api.get('/api/v2/projects/default/volumes',
                   token=token).status_code == 200
    api.delete('/api/v2/projects/default/credentials/uploaded')
    assert api.get('/api/v2/projects/default/volumes',
                   token=token).status_code == 401


def test_system_token_file(sim):
    with open(sim.token_path) as handle:
        assert handle.read().strip() == sim.system_token
    assert stat.S_IMODE(os.stat(sim.token_path).st_mode) == 0o600


@pytest.fixture(scope='module')
def open_sim(tmp_path_factory):
    with Simulator(nodes=1, auth=False,
                   workdir=str(tmp_path_factory.mktemp('noauth'))) as sim:
        yield sim


def test_auth_can_be_off(open_sim):
    api = Api(open_sim, token=False)
    assert open_sim.system_token is None
    assert api.get('/api/v2/cluster').status_code == 200
    assert api.post('/api/v2/projects/default/volumes',
                    VOLUME).status_code == 200
    api.close()


def test_a_verified_token_is_held_to_the_clock_and_its_key():
    key = auth.generate_key()
    keys = {'system:k1': auth.public_pem(key)}
    now = [1000.0]
    authn = auth.Authenticator(keys.get, clock=lambda: now[0])

    def token(**times):
        claims = {'aud': auth.AUDIENCE, 'roles': ['system:cluster-admin']}
        claims.update(times)
        return 'Bearer ' + jwt.encode(claims, key, algorithm='RS256',
                                      headers={'kid': 'system:k1'})

    good = token(iat=900, nbf=900, exp=1100)
    assert authn.authenticate(good).is_system_admin
    assert authn.authenticate(good).is_system_admin
    now[0] = 1100
    with pytest.raises(errors.ApiError, match='token expired'):
        authn.authenticate(good)
    now[0] = 1000
    assert authn.authenticate(good).is_system_admin
    for early in (token(iat=1001), token(nbf=1001)):
        with pytest.raises(errors.ApiError, match='ImmatureSignatureError'):
            authn.authenticate(early)
    with pytest.raises(errors.ApiError, match='DecodeError'):
        authn.authenticate(token(exp='soon'))
    # A key removed (credential deleted) stops the token at once.
    del keys['system:k1']
    with pytest.raises(errors.ApiError, match='unknown key id'):
        authn.authenticate(good)
    # A key replaced under the same id: the old signature no longer holds.
    keys['system:k1'] = auth.public_pem(auth.generate_key())
    with pytest.raises(errors.ApiError, match='InvalidSignatureError'):
        authn.authenticate(good)
