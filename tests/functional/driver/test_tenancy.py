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

"""Per-project tokens, token rotation and TLS by host name, end to end."""

import logging
import os

from cinder import exception as cinder_exception
import pytest
import trustme

from lightos_cinder.simulator import Simulator
from tests.functional import cinder_objects
from tests.functional import simstate

A = {'lightos:project_name': 'tenant-a'}
B = {'lightos:project_name': 'tenant-b'}


@pytest.fixture
def tenants(sim):
    sim.create_project('tenant-a')
    sim.create_project('tenant-b')
    return (sim.mint_token(roles=('tenant-a:admin',)),
            sim.mint_token(roles=('tenant-b:admin',)))


def _write(path, text):
    # Replace atomically, as an operator's rotation should.
    tmp = '%s.new' % path
    with open(tmp, 'w') as handle:
        handle.write(text)
    os.replace(tmp, path)


def test_each_project_uses_its_own_token(sim, tenants, tmp_path,
                                         make_driver, make_type,
                                         make_volume):
    token_a, token_b = tenants
    path_b = tmp_path / 'tenant-b.jwt'
    _write(path_b, token_b)
    # No system token at all: every request is project-scoped, and the
    # simulator answers 403 to a token of the wrong project.
    drv = make_driver(lightos_jwt=None,
                      lightos_project_jwts={'tenant-a': token_a},
                      lightos_project_jwt_files={'tenant-b': str(path_b)})
    for extra_specs, project in ((A, 'tenant-a'), (B, 'tenant-b')):
        volume = make_volume(make_type(extra_specs))
        volume.provider_id = drv.create_volume(volume)['provider_id']
        assert simstate.volume_named(sim, 'volume-%s' % volume.id,
                                     project) is not None
        info = drv.initialize_connection(volume, cinder_objects.connector(1))
        assert info['data']['lightos_nodes']
        drv.delete_volume(volume)
    listed = drv.get_manageable_volumes([], None, 10, 0, ['reference'],
                                        ['asc'])
    assert listed == []
    stats = drv.get_volume_stats(refresh=True)
    assert stats['free_capacity_gb'] == 'unknown'


def test_the_error_names_the_project_whose_token_failed(
        sim, tenants, tmp_path, make_driver, make_type, make_volume):
    token_a, _ = tenants
    path_b = tmp_path / 'tenant-b.jwt'
    _write(path_b, token_a)  # the wrong project's token
    drv = make_driver(lightos_project_jwt_files={'tenant-b': str(path_b)})
    volume = make_volume(make_type(B))
    with pytest.raises(cinder_exception.NotAuthorized) as info:
        drv.create_volume(volume)
    text = str(info.value)
    assert 'LightOS project tenant-b' in text
    assert 'lightos_project_jwt_files[tenant-b] %s' % path_b in text
    assert 'tenant-a:admin' in text
    assert token_a not in text
    # Other projects still use the system token.
    drv.create_volume(make_volume(make_type(A)))


def test_rotating_a_project_token_file(sim, tenants, tmp_path, make_driver,
                                       make_type, make_volume, caplog):
    token_a, token_b = tenants
    path_b = tmp_path / 'tenant-b.jwt'
    _write(path_b, token_a)
    drv = make_driver(lightos_project_jwt_files={'tenant-b': str(path_b)})
    with pytest.raises(cinder_exception.NotAuthorized):
        drv.create_volume(make_volume(make_type(B)))
    _write(path_b, token_b)
    volume = make_volume(make_type(B))
    drv.create_volume(volume)
    assert simstate.volume_named(sim, 'volume-%s' % volume.id,
                                 'tenant-b') is not None
    assert token_b not in caplog.text and token_a not in caplog.text


def test_expiry_is_warned_ahead(sim, tenants, tmp_path, make_driver, caplog):
    soon = sim.mint_token(roles=('tenant-a:admin',),
                          expires_in=3 * 24 * 3600)
    path = tmp_path / 'tenant-a.jwt'
    _write(path, soon)
    caplog.set_level(logging.WARNING)
    make_driver(lightos_project_jwt_files={'tenant-a': str(path)})
    assert 'The JWT from %s expires at' % path in caplog.text
    assert soon not in caplog.text


def test_expired_or_unreadable_project_token_fails_setup(
        sim, tenants, tmp_path, make_driver):
    expired = sim.mint_token(roles=('tenant-a:admin',), expires_in=-60)
    path = tmp_path / 'tenant-a.jwt'
    _write(path, expired)
    with pytest.raises(cinder_exception.InvalidConfigurationValue) as info:
        make_driver(lightos_project_jwt_files={'tenant-a': str(path)})
    assert 'lightos_project_jwt_files' in str(info.value)
    assert 'of project tenant-a expired' in str(info.value)
    with pytest.raises(cinder_exception.InvalidConfigurationValue) as info:
        make_driver(lightos_project_jwt_files={
            'tenant-a': str(tmp_path / 'missing.jwt')})
    assert 'missing.jwt' in str(info.value)
    with pytest.raises(cinder_exception.InvalidConfigurationValue) as info:
        make_driver(lightos_project_jwts={'tenant-a': 'not-a-jwt'})
    assert 'lightos_project_jwts' in str(info.value)
    assert 'not-a-jwt' not in str(info.value)


# TLS by name: a one-node cluster on 127.0.0.1, whose certificate names it
# "localhost" (DNS) besides its address.

@pytest.fixture(scope='module')
def named(tmp_path_factory):
    sim = Simulator(nodes=1, ips=['127.0.0.1'], tls=True, auth=True,
                    workdir=str(tmp_path_factory.mktemp('named-sim')))
    sim.start()
    yield sim
    sim.stop()


def test_api_by_host_name(named, make_driver, make_volume):
    drv = make_driver(target=named, lightos_api_hostnames=['localhost'],
                      lightos_api_address=[],
                      lightos_default_num_replicas=1)
    assert drv._client.transport.endpoints == [
        'https://localhost:%d' % named.port]
    volume = make_volume()
    drv.create_volume(volume)
    record = simstate.volume_named(named, 'volume-%s' % volume.id)
    assert record is not None
    served = named.counters()['nodes']['127.0.0.1']['routes']
    assert any(route.startswith('POST ') for route in served)


def test_untrusted_certificate_says_how_to_fix(named, tmp_path, make_driver):
    other_ca = tmp_path / 'other-ca.pem'
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        make_driver(target=named, lightos_api_hostnames=['localhost'],
                    lightos_default_num_replicas=1,
                    driver_ssl_cert_path=str(other_ca))
    text = str(info.value)
    assert 'CERTIFICATE_VERIFY_FAILED' in text
    assert 'set driver_ssl_cert_path to the CA bundle' in text
    assert 'lightos_api_hostnames' in text
