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

"""Driver setup, configuration checks, statistics and Cinder's interface."""

import logging
import os

from cinder.common import constants
from cinder import exception as cinder_exception
from cinder.interface import util as interface_util
from cinder.interface import volume_driver
import pytest

from lightos_cinder import driver
from lightos_cinder import options
from lightos_cinder.simulator import Simulator
from tests.functional import cinder_objects
from tests.functional import simstate


def _project_token(sim, project='default', **claims):
    return sim.mint_token(roles=('%s:admin' % project,),
                          kid='%s:cinder' % project, **claims)


def test_interface_compliance():
    assert issubclass(driver.LightOSVolumeDriver,
                      volume_driver.VolumeDriverCore)
    info = interface_util.DriverInfo(driver.LightOSVolumeDriver)
    assert info.class_fqn == 'lightos_cinder.driver.LightOSVolumeDriver'
    assert info.version == driver.LightOSVolumeDriver.VERSION
    assert info.ci_wiki_name
    assert driver.LightOSVolumeDriver.SUPPORTS_ACTIVE_ACTIVE is True
    names = {opt.name for opt in info.driver_options}
    assert {opt.name for opt in options.lightos_opts} <= names
    assert {'driver_ssl_cert_verify', 'driver_ssl_cert_path',
            'reserved_percentage', 'volume_backend_name'} <= names


def test_setup_reads_cluster_and_nodes(sim, drv):
    assert drv._cluster.subsystem_nqn.startswith('nqn.')
    assert sorted(drv.refresh_nodes()) == sorted(simstate.node_ips(sim))


def test_project_token_falls_back_to_clusterinfo(sim, make_driver,
                                                 make_volume):
    drv = make_driver(lightos_jwt=_project_token(sim))
    volume = make_volume()
    drv.create_volume(volume)
    host = cinder_objects.connector(1)
    data = drv.initialize_connection(volume, host)['data']
    assert sorted(data['lightos_nodes']) == sorted(simstate.node_ips(sim))
    stats = drv.get_volume_stats(refresh=True)
    assert stats['total_capacity_gb'] == 'unknown'
    assert stats['free_capacity_gb'] == 'unknown'


def test_project_token_outside_its_project(sim, make_driver, make_type,
                                           make_volume):
    sim.create_project('tenant-a')
    drv = make_driver(lightos_jwt=_project_token(sim))
    volume = make_volume(make_type({'lightos:project_name': 'tenant-a'}))
    with pytest.raises(cinder_exception.NotAuthorized) as info:
        drv.create_volume(volume)
    message = str(info.value)
    assert 'tenant-a' in message and 'lightos_jwt' in message
    assert volume.id in message
    assert sim.system_token not in message


def test_token_file_is_named_and_rotated(sim, make_driver, make_volume,
                                         tmp_path):
    token_file = tmp_path / 'jwt'
    token_file.write_text(sim.system_token + '\n')
    drv = make_driver(lightos_jwt=None, lightos_jwt_file=str(token_file))
    token_file.write_text(sim.mint_token(kid='system:other-key'))
    volume = make_volume()
    drv.create_volume(volume)
    assert simstate.volume_named(sim, 'volume-%s' % volume.id)


def _token_file(tmp_path, token, mode):
    path = tmp_path / ('jwt-%04o' % mode)
    path.write_text(token + '\n')
    os.chmod(path, mode)
    return str(path)


@pytest.mark.parametrize('mode,problem', [
    (0o644, 'readable by every user'),
    (0o660, 'writable by its group'),
    (0o602, 'writable by every user'),
])
def test_setup_warns_about_an_exposed_token_file(
        sim, make_driver, tmp_path, caplog, mode, problem):
    path = _token_file(tmp_path, sim.system_token, mode)
    with caplog.at_level(logging.WARNING):
        make_driver(lightos_jwt=None, lightos_jwt_file=path)
    [message] = [r.getMessage() for r in caplog.records
                 if path in r.getMessage()]
    assert '(lightos_jwt_file) has mode %04o' % mode in message
    assert problem in message
    assert 'chmod 0640 %s' % path in message
    assert sim.system_token not in caplog.text


def test_setup_warns_about_an_exposed_project_token_file(
        sim, make_driver, tmp_path, caplog):
    path = _token_file(tmp_path, sim.system_token, 0o664)
    with caplog.at_level(logging.WARNING):
        make_driver(lightos_project_jwt_files={'default': path})
    assert ('%s (lightos_project_jwt_files[default]) has mode 0664'
            % path) in caplog.text


@pytest.mark.parametrize('mode', [0o640, 0o600, 0o400])
def test_no_warning_for_a_token_file_as_documented(
        sim, make_driver, tmp_path, caplog, mode):
    path = _token_file(tmp_path, sim.system_token, mode)
    with caplog.at_level(logging.WARNING):
        make_driver(lightos_jwt=None, lightos_jwt_file=path)
    assert path not in caplog.text


@pytest.mark.parametrize('overrides,option', [
    ({'lightos_api_address': []}, 'lightos_api_address'),
    ({'lightos_jwt': 'not-a-jwt'}, 'lightos_jwt'),
])
def test_setup_rejects_bad_configuration(sim, make_driver, overrides,
                                         option):
    drv = make_driver(setup=False, **overrides)
    with pytest.raises(cinder_exception.InvalidConfigurationValue) as info:
        drv.do_setup(None)
    assert option in str(info.value)
    assert 'not-a-jwt' not in str(info.value)


def test_setup_rejects_an_expired_token(sim, make_driver):
    drv = make_driver(setup=False,
                      lightos_jwt=sim.mint_token(expires_in=-60))
    with pytest.raises(cinder_exception.InvalidConfigurationValue) as info:
        drv.do_setup(None)
    assert 'expired' in str(info.value) and 'lightos_jwt' in str(info.value)


def test_token_the_cluster_does_not_trust(sim, make_driver):
    with Simulator(nodes=1) as other:
        drv = make_driver(setup=False, lightos_jwt=other.system_token)
    # The token decodes fine but the cluster never saw its signing key.
    with pytest.raises(cinder_exception.InvalidAuthKey) as info:
        drv.do_setup(None)
    assert 'invalid' in str(info.value) and 'lightos_jwt' in str(
        info.value)


def test_setup_on_an_unreachable_cluster_ends_within_its_bound(
        sim, make_driver):
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'down')
    drv = make_driver(setup=False, lightos_api_service_timeout=1,
                      lightos_api_request_deadline=120)
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as err:
        drv.do_setup(None)
    assert 'the 1 s bound of the LightOS driver set-up reached' in str(
        err.value)


def test_stats_on_an_unreachable_cluster_end_within_their_bound(
        sim, make_driver, caplog):
    drv = make_driver(lightos_api_service_timeout=1,
                      lightos_api_request_deadline=120,
                      lightos_capacity_max_age=0)
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'down')
    with caplog.at_level(logging.ERROR):
        stats = drv.get_volume_stats(refresh=True)
    assert (stats['total_capacity_gb'], stats['free_capacity_gb']) == (0, 0)
    assert 'the 1 s bound of the capacity report reached' in caplog.text


def test_setup_needs_replicas_the_cluster_can_hold(make_driver):
    with Simulator(nodes=1) as single:
        drv = make_driver(setup=False, target=single)
        with pytest.raises(
                cinder_exception.InvalidConfigurationValue) as info:
            drv.do_setup(None)
        assert 'lightos_default_num_replicas' in str(info.value)
        assert 'at most 1' in str(info.value)
        ok = make_driver(target=single, lightos_default_num_replicas=1)
        ok._client.transport.close()
        drv._client.transport.close()


def test_stats(sim, drv):
    stats = drv.get_volume_stats(refresh=True)
    assert stats['storage_protocol'] == constants.NVMEOF_TCP
    assert stats['driver_version'] == drv.VERSION
    assert stats['vendor_name'] == 'Lightbits Labs'
    assert stats['volume_backend_name'].startswith('lightos-test-')
    for capability in ('thin_provisioning_support', 'multiattach',
                       'online_extend_support', 'QoS_support'):
        assert stats[capability] is True
    assert stats['compression'] == [True, False]
    assert stats['sparse_copy_volume'] is True
    raw = simstate.statistics(sim)
    total = int(raw.get('estimatedLogicalStorage') or
                raw.get('effectivePhysicalStorage'))
    assert stats['total_capacity_gb'] == round(total / 2 ** 30, 2)
    assert stats['provisioned_capacity_gb'] == round(
        int(raw.get('logicalStorage', 0)) / 2 ** 30, 2)
    assert isinstance(stats['free_capacity_gb'], float)
    # Cached between refreshes: one /cluster read per refresh.
    before = sim.counters()
    assert drv.get_volume_stats() is stats
    assert sim.counters() == before


def test_capabilities_allow_sparse_copies(sim, drv):
    """Generic migration asks the destination's capabilities for this."""
    drv.init_capabilities()
    assert drv.capabilities['sparse_copy_volume'] is True


def test_nodes_are_refreshed_after_the_interval(sim, make_driver):
    drv = make_driver(lightos_node_refresh_interval=0)
    routes = 'GET /api/v2/nodes'

    def node_reads():
        return sum(n['routes'].get(routes, 0)
                   for n in sim.counters()['nodes'].values())
    before = node_reads()
    drv._cluster.targets()
    drv._cluster.targets()
    assert node_reads() == before + 2
    cached = make_driver(lightos_node_refresh_interval=3600)
    before = node_reads()
    cached._cluster.targets()
    assert node_reads() == before
