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

"""Transport and client over HTTPS against the LightOS simulator."""

import concurrent.futures
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from lightos_cinder.api import client
from lightos_cinder.api import credentials
from lightos_cinder.api import exception
from lightos_cinder.api import models
from lightos_cinder.api import transport
from lightos_cinder.api import waiters
from tests.functional import clients
from tests.functional import simstate

PROJECT = 'tenant-a'
# A loopback address no simulated node uses.
SILENT_ADDRESS = '127.0.0.201'
GIB = 1024 ** 3
HEDGE = 2.0


class RecordingSleep:
    """Back-off sleeps of the transport, recorded instead of waited."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


def make_transport(sim, token=None, addresses=None, **kwargs):
    # A hedge delay well above the stalls of a busy test machine: the tests
    # count requests per node exactly.
    options = dict(connect_timeout=2.0, read_timeout=10.0, deadline=30.0,
                   hedge_min=HEDGE)
    options.update(kwargs)
    return clients.make_transport(sim, token, addresses, **options)


@pytest.fixture
def transports():
    made = []
    yield made
    for tr in made:
        tr.close()


@pytest.fixture
def connect(sim, transports):
    """Return a factory of clients bound to the simulator."""
    def factory(**kwargs):
        tr = make_transport(sim, **kwargs)
        transports.append(tr)
        return client.LightOSClient(tr)
    return factory


def counts(sim, field='requests'):
    return [sim.counters()['nodes'][a][field] for a in sim.addresses]


def delta(before, after):
    return [b - a for a, b in zip(before, after)]


def route_count(sim, route):
    return [sim.counters()['nodes'][a]['routes'].get(route, 0)
            for a in sim.addresses]


def create_once(sim, lightos):
    """Create volume-1; check the cluster applied it exactly once."""
    writes = sim.counters()['writes']
    vol = lightos.create_volume(PROJECT, 'volume-1', GIB, replica_count=1,
                                compression=False)
    assert sim.counters()['writes'] == writes + 1
    assert [v['UUID'] for v in simstate.volumes(sim, PROJECT)] == [vol.uuid]
    return vol


def wait_volume(lightos, uuid, state=models.VolumeState.AVAILABLE):
    def probe():
        vol = lightos.get_volume(PROJECT, uuid)
        if vol.state is not state:
            raise exception.NotReady(vol.state.value)
        return vol
    return waiters.wait_for(probe, timeout=30, what='volume %s' % uuid,
                            interval=0.02, max_interval=0.2)


def wait_gone(get):
    def probe():
        try:
            record = get()
        except exception.NotFound:
            return True
        raise exception.NotReady(record.state.value)
    return waiters.wait_for(probe, timeout=30, what='deletion',
                            interval=0.02, max_interval=0.2)


# --- client against the API -----------------------------------------------

def test_volume_and_snapshot_lifecycle(sim, connect, caplog):
    caplog.set_level(logging.DEBUG)
    sim.create_project(PROJECT)
    lightos = connect()
    assert lightos.get_version() == 'v2.0'
    assert lightos.get_cluster_info().subsystem_nqn.startswith('nqn.')
    assert PROJECT in [p.name for p in lightos.list_projects()]

    created = lightos.create_volume(PROJECT, 'volume-1', GIB,
                                    replica_count=2, compression=True)
    assert created.name == 'volume-1'
    vol = wait_volume(lightos, created.uuid)
    assert (vol.size, vol.replica_count, vol.compression) == (GIB, 2, True)
    assert vol.acl == (models.ALLOW_NONE,)
    assert lightos.find_volume(PROJECT, 'volume-1') == vol
    assert lightos.find_volume(PROJECT, 'volume-2') is None
    assert [v.uuid for v in lightos.list_volumes(PROJECT)] == [vol.uuid]

    lightos.update_volume(PROJECT, vol.uuid, etag=vol.etag,
                          acl=['nqn.2014-08.org.nvmexpress:uuid:host-1'])
    with pytest.raises((exception.PreconditionFailed,
                        exception.BadRequest)):
        lightos.update_volume(PROJECT, vol.uuid, etag=vol.etag,
                              acl=[models.ALLOW_NONE])
    updated = wait_volume(lightos, vol.uuid)
    assert updated.acl == ('nqn.2014-08.org.nvmexpress:uuid:host-1',)
    assert updated.etag != vol.etag
    assert [simstate.acl(v) for v in simstate.volumes(sim, PROJECT)] == [
        list(updated.acl)]

    snap = lightos.create_snapshot(PROJECT, 'snapshot-1', vol.uuid,
                                   description='lifecycle')
    assert lightos.find_snapshot(PROJECT, 'snapshot-1').uuid == snap.uuid
    assert lightos.find_snapshot(PROJECT, 'snapshot-2') is None
    assert [s.uuid for s in lightos.list_snapshots(PROJECT)] == [snap.uuid]
    assert lightos.get_snapshot(PROJECT, snap.uuid).source_volume_uuid == (
        vol.uuid)

    lightos.delete_snapshot(PROJECT, snap.uuid)
    wait_gone(lambda: lightos.get_snapshot(PROJECT, snap.uuid))
    lightos.delete_volume(PROJECT, vol.uuid, etag=updated.etag)
    wait_gone(lambda: lightos.get_volume(PROJECT, vol.uuid))
    assert sim.state()['projects'][PROJECT] == {'volumes': [],
                                                'snapshots': []}
    with pytest.raises(exception.NotFound):
        lightos.delete_volume(PROJECT, vol.uuid)

    token = sim.system_token
    assert token not in caplog.text
    assert token.rsplit('.', 1)[1] not in caplog.text


def test_list_volumes_pages_through_the_project(sim, connect):
    sim.create_project(PROJECT)
    lightos = connect()
    made = {lightos.create_volume(PROJECT, 'v%d' % i, 4096, replica_count=1,
                                  compression=False).uuid for i in range(5)}
    route = 'GET /api/v2/projects/{projectName}/volumes'
    before = sum(route_count(sim, route))
    listed = lightos.list_volumes(PROJECT, page_size=2)
    assert {v.uuid for v in listed} == made
    assert len(listed) == 5
    after = sum(route_count(sim, route))
    assert after - before == 3


def test_project_token_cannot_read_cluster_capacity(sim, connect):
    sim.create_project(PROJECT)
    tenant = connect(token=sim.mint_token(roles=('%s:admin' % PROJECT,)))
    with pytest.raises(exception.Forbidden) as info:
        tenant.get_cluster_stats()
    assert info.value.status == 403
    assert tenant.list_volumes(PROJECT) == []
    admin = connect()
    assert admin.get_cluster_stats().estimated_free_logical > 0


# --- TLS and keep-alive ---------------------------------------------------

def test_certificate_is_verified(sim, connect):
    # The simulator's certificate is signed by its own CA, which the
    # system trust store does not know.
    lightos = connect(verify=True)
    with pytest.raises(exception.LightOSConnectionError) as info:
        lightos.get_version()
    assert len(info.value.failures) == 3
    assert all('TLS error' in why for _, why in info.value.failures)
    assert connect().get_version() == 'v2.0'


def test_requests_share_keep_alive_connections(sim, connect):
    lightos = connect()
    connections = counts(sim, 'connections')
    requests_ = counts(sim)
    for _ in range(50):
        lightos.get_cluster_info()
    new_connections = sum(delta(connections, counts(sim, 'connections')))
    new_requests = sum(delta(requests_, counts(sim)))
    assert new_requests == 50
    assert new_connections == 1


def test_concurrent_requests_use_a_bounded_pool(sim, connect):
    lightos = connect()
    connections = counts(sim, 'connections')
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: lightos.get_version(), range(320)))
    assert results == ['v2.0'] * 320
    opened = sum(delta(connections, counts(sim, 'connections')))
    assert 1 <= opened <= 16


# --- failover -------------------------------------------------------------

def test_node_down_fails_over_and_sticks(sim, connect):
    lightos = connect()
    lightos.get_version()
    sim.set_fault(0, 'down')
    before = counts(sim)
    for _ in range(5):
        assert lightos.get_version() == 'v2.0'
    assert delta(before, counts(sim)) == [0, 5, 0]
    health = lightos.transport.endpoint_health()
    assert 'refused' in health[lightos.transport.endpoints[0]]


def test_create_is_replayed_when_nothing_was_sent(sim, connect):
    sim.create_project(PROJECT)
    lightos = connect()
    sim.set_fault(0, 'down')
    create_once(sim, lightos)


def test_blackholed_node_costs_the_hedge_delay_once(sim, connect):
    timeout = 8.0
    lightos = connect(read_timeout=timeout)
    lightos.get_version()                      # sticky on node 0
    sim.set_fault(0, 'blackhole')
    before = counts(sim)
    started = time.monotonic()
    assert lightos.get_version() == 'v2.0'
    first = time.monotonic() - started
    assert delta(before, counts(sim)) == [1, 1, 0]
    # Sent to node 1 after the hedge delay, not the read timeout.
    assert first < timeout
    assert lightos.transport.endpoint_health()[
        lightos.transport.endpoints[0]] == 'no answer within %.2f s' % HEDGE

    before = counts(sim)
    for _ in range(5):
        lightos.get_version()
    # The blackholed node is not asked again while it is in back-off.
    assert delta(before, counts(sim)) == [0, 5, 0]


@pytest.mark.parametrize('hedge_max', [transport.HEDGE_MAX, 0],
                         ids=['hedged', 'after-read-timeout'])
def test_create_that_got_no_answer_is_settled_by_name(sim, connect,
                                                      hedge_max):
    sim.create_project(PROJECT)
    lightos = connect(read_timeout=3.0, hedge_max=hedge_max)
    lightos.get_version()
    sim.set_fault(0, 'blackhole', path='/volumes')
    route = 'POST /api/v2/projects/{projectName}/volumes'
    posts = route_count(sim, route)
    # Looked up by name on node 1 (absent), then created there once.
    create_once(sim, lightos)
    assert delta(posts, route_count(sim, route)) == [0, 1, 0]
    sim.clear_faults()
    assert len(simstate.volumes(sim, PROJECT)) == 1


def test_connection_reset_moves_to_the_next_node(sim, connect):
    lightos = connect()
    lightos.get_version()
    sim.set_fault(0, 'reset', count=1)
    before = counts(sim)
    assert lightos.get_version() == 'v2.0'
    assert delta(before, counts(sim)) == [1, 1, 0]


def test_all_nodes_down_lists_every_endpoint(sim, connect):
    # Rounds repeat until the deadline: keep it short.
    lightos = connect(deadline=2.0)
    for index in range(3):
        sim.set_fault(index, 'down')
    with pytest.raises(exception.LightOSConnectionError) as info:
        lightos.get_version()
    message = str(info.value)
    for address in sim.addresses:
        assert address in message
    sim.clear_faults()
    # Every endpoint is in back-off, yet the next call tries them.
    assert lightos.get_version() == 'v2.0'


# --- 429 / 503 ------------------------------------------------------------

def test_retry_after_is_honoured(sim, connect):
    sleep = RecordingSleep()
    lightos = connect(addresses=sim.addresses[:1], sleep=sleep)
    sim.set_fault(0, 'status', status=503, count=2, retry_after=3)
    assert lightos.get_version() == 'v2.0'
    assert sleep.calls == [3.0, 3.0]


def test_a_503_burst_on_every_node_pauses_per_round(sim, connect):
    """Four 503s from every node: four pauses, not one after each answer.

    A back-off after every answer slept 71.5 s here, past the 60 s a
    caller of a Cinder operation waits (a clone into another project
    stayed creating that long in the soak).
    """
    sleep = RecordingSleep()
    lightos = connect(sleep=sleep)
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'status', status=503, count=4)
    assert lightos.get_version() == 'v2.0'
    # One pause per round in which every node was busy.
    assert len(sleep.calls) == 4


def test_throttled_node_hands_over_to_the_next(sim, connect):
    sleep = RecordingSleep()
    lightos = connect(sleep=sleep)
    lightos.get_version()
    sim.set_fault(0, 'status', status=429)
    before = counts(sim)
    assert lightos.get_version() == 'v2.0'
    assert delta(before, counts(sim)) == [1, 1, 0]
    # A busy node hands the request over at once.
    assert sleep.calls == []


# --- tokens ---------------------------------------------------------------

def _write_same_stat(path, text):
    info = os.stat(path)
    path.write_text(text)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_token_file_rotation(sim, connect, tmp_path):
    path = tmp_path / 'lightos.jwt'
    expired = sim.mint_token(expires_in=-3600)
    path.write_text(expired + '\n')
    source = credentials.TokenSource(path=str(path))
    lightos = connect(token=source)
    with pytest.raises(exception.Unauthorized):
        lightos.get_version()

    # Replaced in place without changing size or mtime: only the re-read
    # after a 401 finds it.
    fresh = sim.mint_token(expires_in=3600)
    assert len(fresh) == len(expired)
    _write_same_stat(path, fresh + '\n')
    assert lightos.get_version() == 'v2.0'

    # Replaced by rename, as a rotation job would: picked up at once.
    newer = sim.mint_token(expires_in=7200, jti='next')
    staged = tmp_path / 'staged'
    staged.write_text(newer)
    os.replace(staged, path)
    assert source.get().value == newer
    assert lightos.get_version() == 'v2.0'


# --- stalled TLS handshake ------------------------------------------------

@pytest.fixture
def silent_listener(sim):
    """A socket on the simulator's port that never completes a handshake.

    The kernel accepts the TCP connection into the backlog, but nobody
    answers the TLS ClientHello.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((SILENT_ADDRESS, sim.port))
    listener.listen(16)
    yield SILENT_ADDRESS
    listener.close()


def test_stalled_handshake_is_a_connect_failure(sim, connect,
                                                silent_listener):
    sim.create_project(PROJECT)
    lightos = connect(addresses=[silent_listener] + sim.addresses,
                      connect_timeout=0.5, read_timeout=10.0)
    # Nothing was sent before the handshake, so even a POST moves on.
    create_once(sim, lightos)
    health = lightos.transport.endpoint_health()
    assert health[lightos.transport.endpoints[0]] == 'connect timeout'


# --- eventlet -------------------------------------------------------------

_GREEN_CLIENT = textwrap.dedent("""
    import eventlet
    eventlet.monkey_patch()

    import json
    import os
    import sys

    from lightos_cinder.api import client
    from lightos_cinder.api import credentials
    from lightos_cinder.api import transport

    tr = transport.Transport(
        sys.argv[1].split(','), int(sys.argv[2]), verify=sys.argv[3],
        token_source=credentials.TokenSource(
            value=os.environ['LIGHTOS_TEST_JWT']))
    lightos = client.LightOSClient(tr)
    pool = eventlet.GreenPool(16)
    versions = list(pool.imap(lambda _: lightos.get_version(), range(320)))
    print(json.dumps({'versions': sorted(set(versions)),
                      'count': len(versions)}))
""")


def test_concurrent_greenthreads_under_eventlet(sim):
    connections = counts(sim, 'connections')
    requests_ = counts(sim)
    env = dict(os.environ, LIGHTOS_TEST_JWT=sim.system_token)
    result = subprocess.run(
        [sys.executable, '-c', _GREEN_CLIENT, ','.join(sim.addresses),
         str(sim.port), sim.ca_path],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        'versions': ['v2.0'], 'count': 320}
    assert sum(delta(requests_, counts(sim))) == 320
    # 16 concurrent greenthreads fit the per-endpoint pool: connections are
    # reused, never opened and thrown away.
    opened = sum(delta(connections, counts(sim, 'connections')))
    assert 1 <= opened <= 16
