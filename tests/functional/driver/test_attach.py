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

"""Attach and detach: ACLs on the simulator, multi-attach, failures."""

import concurrent.futures

from cinder import exception as cinder_exception
import pytest

from lightos_cinder.api import models
from lightos_cinder.simulator import Simulator
from tests.functional import cinder_objects
from tests.functional import simstate


@pytest.fixture
def volume(drv, make_volume):
    volume = make_volume()
    volume.provider_id = drv.create_volume(volume)['provider_id']
    return volume


def _record(sim, volume):
    return simstate.volume_named(sim, 'volume-%s' % volume.id)


def test_attach_returns_what_os_brick_consumes(sim, drv, volume):
    host = cinder_objects.connector(1, ips=['10.1.0.5', 'fe80::5'])
    info = drv.initialize_connection(volume, host)
    record = _record(sim, volume)
    assert info['driver_volume_type'] == 'lightos'
    data = info['data']
    assert data['lightos_nodes'] == {
        ip: {'target_portal': ip, 'target_port': 8009,
             'transport_type': 'tcp'} for ip in simstate.node_ips(sim)}
    assert data['uuid'] == record['UUID']
    assert data['subsysnqn'].startswith('nqn.')
    assert data['discard'] is True
    assert record['acl']['values'] == [host['nqn']]
    assert record['IPAcl']['values'] == ['10.1.0.5', 'fe80::5']


def test_attach_twice_is_idempotent(sim, drv, volume):
    host = cinder_objects.connector(1)
    drv.initialize_connection(volume, host)
    writes = sim.counters()['writes']
    drv.initialize_connection(volume, host)
    assert sim.counters()['writes'] == writes
    assert _record(sim, volume)['acl']['values'] == [host['nqn']]


def test_discovery_port_option(sim, make_driver, make_volume):
    drv = make_driver(lightos_discovery_port=18009)
    volume = make_volume()
    drv.create_volume(volume)
    host = cinder_objects.connector(1)
    data = drv.initialize_connection(volume, host)['data']
    assert {n['target_port'] for n in data['lightos_nodes'].values()} == {
        18009}


@pytest.mark.parametrize('missing', ['nqn', 'found_dsc', 'host_ips'])
def test_attach_needs_a_complete_connector(sim, drv, volume, missing):
    host = cinder_objects.connector(1)
    host[missing] = '' if missing != 'host_ips' else []
    writes = sim.counters()['writes']
    with pytest.raises(cinder_exception.InvalidConnectorException) as info:
        drv.initialize_connection(volume, host)
    assert missing in str(info.value)
    assert sim.counters()['writes'] == writes


def test_ipacl_off_needs_no_host_ips(sim, make_driver, make_volume):
    drv = make_driver(lightos_use_ipacl=False)
    volume = make_volume()
    drv.create_volume(volume)
    host = cinder_objects.connector(1)
    host['host_ips'] = []
    drv.initialize_connection(volume, host)
    record = _record(sim, volume)
    assert record['acl']['values'] == [host['nqn']]
    assert record['IPAcl']['values'] == simstate.ANY


def test_ip_acl_keeps_16_preferring_routable(sim, drv, volume, caplog):
    ips = ['127.0.0.1', '::1', 'fe80::1'] + [
        '10.9.0.%d' % i for i in range(1, 16)]
    drv.initialize_connection(volume, cinder_objects.connector(1, ips=ips))
    record = _record(sim, volume)
    assert len(record['IPAcl']['values']) == 16
    assert set(record['IPAcl']['values']) == set(ips) - {'127.0.0.1', '::1'}
    assert '127.0.0.1' in caplog.text and 'left out' in caplog.text


def test_attach_and_detach_of_a_missing_volume(sim, drv, make_volume):
    volume = make_volume()
    with pytest.raises(cinder_exception.VolumeNotFound):
        drv.initialize_connection(volume, cinder_objects.connector(1))
    host = cinder_objects.connector(1)
    assert drv.terminate_connection(volume, host) is False


def test_detach_restores_allow_none(sim, drv, volume, attach):
    host = cinder_objects.connector(1, ips=['10.1.0.5'])
    drv.initialize_connection(volume, host)
    attach(volume, host)
    assert drv.terminate_connection(volume, host) is False
    record = _record(sim, volume)
    assert record['acl']['values'] == simstate.NONE
    assert record['IPAcl']['values'] == simstate.NONE


def test_two_hosts_then_detach_one(sim, drv, volume, attach):
    first = cinder_objects.connector(1, ips=['10.1.0.1', '10.0.0.99'])
    second = cinder_objects.connector(2, ips=['10.1.0.2', '10.0.0.99'])
    for host in (first, second):
        drv.initialize_connection(volume, host)
        attach(volume, host)
    drv.terminate_connection(volume, first)
    record = _record(sim, volume)
    assert record['acl']['values'] == [second['nqn']]
    # An address the other host also reported stays.
    assert record['IPAcl']['values'] == ['10.0.0.99', '10.1.0.2']


def test_same_host_multiattach_keeps_access_until_the_last(
        sim, drv, volume, attach):
    host = cinder_objects.connector(1)
    for _instance in range(2):
        drv.initialize_connection(volume, host)
        first = attach(volume, host)
    assert drv.terminate_connection(volume, host) is True
    assert _record(sim, volume)['acl']['values'] == [host['nqn']]
    first.attach_status = 'detached'
    assert drv.terminate_connection(volume, host) is False
    assert _record(sim, volume)['acl']['values'] == simstate.NONE


def test_attaching_attachments_hold_access(sim, drv, volume, attach):
    """Nova leaves an attachment 'attaching' until attachment_complete."""
    first = cinder_objects.connector(1, ips=['10.1.0.1', '10.0.0.99'])
    second = cinder_objects.connector(2, ips=['10.1.0.2', '10.0.0.99'])
    for host in (first, first, second):
        drv.initialize_connection(volume, host)
    attach(volume, first)
    attach(volume, first, status='attaching')
    attach(volume, second, status='attaching')
    assert drv.terminate_connection(volume, first) is True
    record = _record(sim, volume)
    assert sorted(simstate.acl(record)) == sorted(
        [first['nqn'], second['nqn']])


def test_detach_keeps_addresses_of_an_attaching_host(
        sim, drv, volume, attach):
    first = cinder_objects.connector(1, ips=['10.1.0.1', '10.0.0.99'])
    second = cinder_objects.connector(2, ips=['10.1.0.2', '10.0.0.99'])
    for host in (first, second):
        drv.initialize_connection(volume, host)
    attach(volume, first)
    attach(volume, second, status='attaching')
    assert drv.terminate_connection(volume, first) is False
    record = _record(sim, volume)
    assert record['acl']['values'] == [second['nqn']]
    assert record['IPAcl']['values'] == ['10.0.0.99', '10.1.0.2']


def test_force_detach_clears_every_host(sim, drv, volume, attach):
    for index in (1, 2, 3):
        host = cinder_objects.connector(index)
        drv.initialize_connection(volume, host)
        attach(volume, host)
    drv.terminate_connection(volume, None, force=True)
    record = _record(sim, volume)
    assert record['acl']['values'] == simstate.NONE
    assert record['IPAcl']['values'] == simstate.NONE


def test_detach_without_nqn_is_refused(sim, drv, volume):
    host = cinder_objects.connector(1)
    drv.initialize_connection(volume, host)
    with pytest.raises(cinder_exception.InvalidConnectorException):
        drv.terminate_connection(volume, {'host': host['host']})
    assert _record(sim, volume)['acl']['values'] == [host['nqn']]


def test_detach_under_persistent_5xx_raises(sim, drv, volume):
    host = cinder_objects.connector(1)
    drv.initialize_connection(volume, host)
    for node in range(3):
        sim.set_fault(node, 'status', status=500, path=r'/volumes/')
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.terminate_connection(volume, host)
    assert volume.id in str(info.value)
    sim.clear_faults()
    assert _record(sim, volume)['acl']['values'] == [host['nqn']]


def test_detach_of_an_allow_any_volume_raises(sim, drv, volume):
    host = cinder_objects.connector(1)
    uuid = _record(sim, volume)['UUID']
    drv._client.update_volume('default', uuid, acl=(models.ALLOW_ANY,))
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.terminate_connection(volume, host)
    assert 'ALLOW_ANY' in str(info.value)


def _racing_update(sim, drv, uuid, nqn):
    """Grant ``nqn`` while another writer changes the volume once."""
    raced = []

    def change(current):
        if nqn in current.acl:
            return None
        raced.append(current.etag)
        if len(raced) == 1:
            # Another writer updates the volume after our read.
            sim.bump_etag('default', uuid)
        return {'acl': (nqn,)}
    updated = drv._ops.update_volume('default', uuid, change, 'test update')
    return raced, updated


def test_stale_etag_412_is_reread_and_retried(sim, drv, volume):
    uuid = _record(sim, volume)['UUID']
    nqn = cinder_objects.connector(1)['nqn']
    writes = sim.counters()['writes']
    raced, updated = _racing_update(sim, drv, uuid, nqn)
    # The first PUT carried the stale ETag and was refused; the second one,
    # after a re-read, was accepted.
    assert len(raced) == 2 and raced[0] != raced[1]
    assert sim.counters()['writes'] == writes + 1
    assert _record(sim, volume)['acl']['values'] == [nqn]


def test_stale_record_in_hand_is_reread_and_retried(sim, drv, volume):
    """A caller's record whose ETag went stale costs a retry, not a loss."""
    uuid = _record(sim, volume)['UUID']
    stale = drv._client.get_volume('default', uuid)
    sim.bump_etag('default', uuid)
    nqn = cinder_objects.connector(1)['nqn']
    writes = sim.counters()['writes']
    updated = drv._ops.update_volume(
        'default', uuid,
        lambda current: None if nqn in current.acl else {'acl': (nqn,)},
        'test update', known=stale)
    assert updated.acl == (nqn,) and updated.etag != stale.etag
    assert sim.counters()['writes'] == writes + 1
    assert _record(sim, volume)['acl']['values'] == [nqn]


def test_stale_etag_400_is_reread_and_retried(make_driver, make_volume):
    """Clusters whose gateway maps an ETag mismatch to 400."""
    with Simulator(nodes=1, etag_mismatch_status=400) as other:
        drv = make_driver(target=other, lightos_default_num_replicas=1)
        volume = make_volume()
        drv.create_volume(volume)
        uuid = simstate.volume_named(other, 'volume-%s' % volume.id)['UUID']
        nqn = cinder_objects.connector(1)['nqn']
        writes = other.counters()['writes']
        raced, updated = _racing_update(other, drv, uuid, nqn)
        assert len(raced) == 2 and raced[0] != raced[1]
        assert other.counters()['writes'] == writes + 1
        assert updated.acl == (nqn,)
        drv._client.transport.close()


def test_concurrent_attach_and_detach_of_12_hosts(sim, drv, volume, attach):
    hosts = [cinder_objects.connector(index) for index in range(12)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda h: drv.initialize_connection(volume, h), hosts))
    record = _record(sim, volume)
    assert sorted(simstate.acl(record)) == sorted(h['nqn'] for h in hosts)
    assert sorted(simstate.ip_acl(record)) == sorted(
        h['host_ips'][0] for h in hosts)

    # Each detach sees only its own attachment on its host.
    for host in hosts:
        attach(volume, host)
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(
            lambda h: drv.terminate_connection(volume, h), hosts))
    assert results == [False] * 12
    record = _record(sim, volume)
    assert record['acl']['values'] == simstate.NONE
    assert record['IPAcl']['values'] == simstate.NONE
