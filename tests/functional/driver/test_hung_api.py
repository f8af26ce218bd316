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

"""A hung API node, a cluster-wide blip and a persistent 503 (HTTPS)."""

import threading
import time
import uuid

from cinder import exception as cinder_exception
import pytest

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from tests.functional import cinder_objects
from tests.functional import cinderservices
from tests.functional import simstate

CREATES = 5
BACKEND = 'lightos-hung'


@pytest.fixture(scope='module')
def cinder_services(simulator, cinder_database, tmp_path_factory):
    """cinder-volume with every option at its default, and the scheduler."""
    services = cinderservices.CinderServices(
        str(tmp_path_factory.mktemp('cinder-hung')),
        {BACKEND: simulator.cinder_conf(BACKEND)}, cinder_database)
    services.start()
    yield services
    services.stop()


def _posts(sim, node):
    routes = sim.counters()['nodes'][sim.addresses[node]]['routes']
    return sum(count for route, count in routes.items()
               if route.startswith('POST '))


def _health(drv, node, sim):
    url = 'https://%s:%d' % (sim.addresses[node], sim.port)
    return drv._client.transport.endpoint_health()[url]


@pytest.mark.parametrize('path', [None, r'/volumes$'],
                         ids=['whole-node', 'only-creates'])
def test_creates_succeed_once_each_when_the_node_in_use_hangs(
        sim, drv, make_volume, path):
    # Setup talked to node 0, so every request goes there first.
    sim.set_fault(0, 'blackhole', path=path)
    made = [make_volume() for _ in range(CREATES)]
    for volume in made:
        update = drv.create_volume(volume)
        record = simstate.volume_named(sim, 'volume-%s' % volume.id)
        assert update['provider_id'] == 'default %s' % record['UUID']
    assert len(simstate.volumes(sim)) == CREATES
    # Hedged after the short delay, not the 5 s read timeout; then skipped.
    assert _health(drv, 0, sim).startswith('no answer within')
    assert _posts(sim, 0) == 0
    sim.clear_faults()
    assert len(simstate.volumes(sim)) == CREATES


def test_creates_through_cinder_succeed_at_default_settings(
        sim, cinder_services):
    services = cinder_services
    vtype = services.create_type('hung-%s' % uuid.uuid4().hex[:8],
                                 {'volume_backend_name': BACKEND})
    ctxt = services.context('tenant-1')
    before = sim.counters()['nodes']
    made = [services.create_volume(ctxt, vtype)]
    after = sim.counters()['nodes']
    served = [after[a]['requests'] - before[a]['requests']
              for a in sim.addresses]
    node = served.index(max(served))
    sim.set_fault(node, 'blackhole')
    # Each create reaches 'available' (the waiter raises on 'error').
    made += [services.create_volume(ctxt, vtype) for _ in range(3)]
    assert sorted(v['name'] for v in simstate.volumes(sim)) == sorted(
        'volume-%s' % v.id for v in made)
    driver = services.volume_managers[BACKEND].driver
    assert _health(driver, node, sim).startswith('no answer within')
    for volume in made:
        services.delete_volume(ctxt, volume.id)
    assert simstate.volumes(sim) == []


def test_late_create_on_a_slow_node_leaves_no_duplicate(sim, drv,
                                                        make_volume):
    # Node 0 applies the POST 1.5 s late, after it was sent elsewhere.
    sim.set_fault(0, 'slow', delay_ms=1500, count=1, path=r'/volumes$')
    volume = make_volume()
    drv.create_volume(volume)
    waiters.wait_for(lambda: _posts(sim, 0) or _not_yet(), timeout=10,
                     what='the late POST on node 0')
    assert [v['name'] for v in simstate.volumes(sim)] == [
        'volume-%s' % volume.id]


def _not_yet():
    raise exception.NotReady('pending')


def _attached(drv, make_volume, attach):
    """A volume attached to compute host 1, and the host's connector."""
    volume = make_volume()
    volume.provider_id = drv.create_volume(volume)['provider_id']
    host = cinder_objects.connector(1)
    drv.initialize_connection(volume, host)
    attach(volume, host)
    return volume, host


def test_detach_and_extend_ride_out_a_cluster_wide_reset_blip(
        sim, drv, make_volume, attach):
    volume, host = _attached(drv, make_volume, attach)
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'reset', count=2)
    drv.terminate_connection(volume, host)
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record['acl']['values'] == simstate.NONE
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'reset', count=2)
    drv.extend_volume(volume, 2)
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert simstate.size(record) == 2 * 1024 ** 3


def test_attach_rides_out_every_node_refusing_for_a_second(
        sim, drv, make_volume):
    volume = make_volume()
    volume.provider_id = drv.create_volume(volume)['provider_id']
    host = cinder_objects.connector(1)
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'down')
    # The API services come back while the attach is retrying.
    restart = threading.Timer(1.0, sim.clear_faults)
    restart.start()
    try:
        drv.initialize_connection(volume, host)
    finally:
        restart.join()
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record['acl']['values'] == [host['nqn']]


def test_detach_under_persistent_503_answers_within_its_bound(
        sim, make_driver, make_volume, attach):
    drv = make_driver(lightos_rpc_call_budget=3,
                      lightos_api_request_deadline=120)
    volume, host = _attached(drv, make_volume, attach)
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'status', status=503)
    began = time.monotonic()
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.terminate_connection(volume, host)
    # The bound of the call, not the 120 s request deadline.
    assert time.monotonic() - began < 3 + 2
    assert '503' in str(info.value)
    sim.clear_faults()
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record['acl']['values'] == [host['nqn']]     # nothing changed
