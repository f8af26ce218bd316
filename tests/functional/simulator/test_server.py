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

"""Node servers: shared port, keep-alive, concurrency, faults, shutdown."""

import concurrent.futures
import os
import socket
import threading
import time

from cryptography import x509
import pytest
import requests

from lightos_cinder.simulator import Simulator
from tests.functional.simulator.helpers import Api

VERSION = '/api/v2/version'


def test_nodes_share_one_port_on_distinct_addresses(sim):
    assert sim.addresses == ['127.0.0.11', '127.0.0.12', '127.0.0.13']
    assert len({url.rsplit(':', 1)[1] for url in sim.urls}) == 1
    nodes = Api(sim).get('/api/v2/nodes').json()['nodes']
    assert [n['nvmeEndpoint'] for n in nodes] == [
        '%s:4420' % ip for ip in sim.addresses]


def test_certificate_names_every_node_and_localhost(sim):
    with open(os.path.join(sim.workdir, 'server.pem'), 'rb') as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    names = cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ['localhost']
    assert [str(ip) for ip in names.get_values_for_type(
        x509.IPAddress)] == sim.addresses


def test_keep_alive_reuses_one_connection(sim, api):
    for _ in range(5):
        assert api.get(VERSION, node=1).status_code == 200
    counts = sim.counters()['nodes']['127.0.0.12']
    assert counts['connections'] == 1
    assert counts['requests'] == 5
    assert counts['routes'] == {'GET /api/v2/version': 5}


def test_requests_are_served_concurrently(sim, api):
    sim.set_fault(0, 'slow', delay_ms=500)
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(
            lambda _: Api(sim).get(VERSION).status_code, range(4)))
    assert answers == [200] * 4
    # Served one after another they would take at least 4 x 500 ms; the
    # bound leaves the rest of that for a busy machine's overhead.
    assert time.monotonic() - start < 4 * 0.5


def test_counters_count_accepted_writes_only(sim, api):
    api.create_volume()
    api.post('/api/v2/projects/default/volumes', {'name': 'bad name'})
    api.get('/api/v2/projects/default/volumes')
    assert sim.counters()['writes'] == 1


def test_down_refuses_connections_and_comes_back(sim, api):
    sim.set_fault(1, 'down')
    with pytest.raises(requests.exceptions.ConnectionError):
        Api(sim).get(VERSION, node=1, timeout=3)
    assert api.get(VERSION, node=0).status_code == 200
    sim.clear_faults(1)
    assert Api(sim).get(VERSION, node=1).status_code == 200


def test_down_cuts_kept_alive_connections(sim, api):
    assert api.get(VERSION, node=2).status_code == 200
    sim.set_fault(2, 'down')
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get(VERSION, node=2, timeout=3)


def test_blackhole_accepts_and_never_answers(sim):
    sim.set_fault(0, 'blackhole')
    with pytest.raises(requests.exceptions.ReadTimeout):
        Api(sim).get(VERSION, timeout=0.3)
    sim.clear_faults(0)
    assert Api(sim).get(VERSION).status_code == 200


def test_status_fault_with_count_path_and_retry_after(sim, api):
    sim.set_fault(0, 'status', status=503, count=2, path=r'/volumes',
                  retry_after=2)
    assert api.get(VERSION).status_code == 200  # path does not match
    first = api.get('/api/v2/projects/default/volumes')
    assert first.status_code == 503
    assert first.headers['Retry-After'] == '2'
    assert first.json()['code'] == 14
    assert api.get('/api/v2/projects/default/volumes').status_code == 503
    assert api.get('/api/v2/projects/default/volumes').status_code == 200
    assert sim.faults()['127.0.0.11'] == []


def test_status_fault_limited_to_one_method(sim, api):
    sim.set_fault(0, 'status', status=500, path=r'/volumes', method='post')
    assert sim.faults()['127.0.0.11'] == [
        {'kind': 'status', 'path': '/volumes', 'method': 'POST',
         'status': 500}]
    assert api.get('/api/v2/projects/default/volumes').status_code == 200
    assert api.post('/api/v2/projects/default/volumes',
                    {}).status_code == 500


def test_status_fault_after_some_requests_pass(sim, api):
    sim.set_fault(0, 'status', status=500, path=r'/volumes', after=2,
                  count=1)
    assert sim.faults()['127.0.0.11'] == [
        {'kind': 'status', 'count': 1, 'after': 2, 'path': '/volumes',
         'status': 500}]
    for _passing in range(2):
        assert api.get('/api/v2/projects/default/volumes').status_code == 200
    assert api.get('/api/v2/projects/default/volumes').status_code == 500
    assert api.get('/api/v2/projects/default/volumes').status_code == 200
    assert sim.faults()['127.0.0.11'] == []


def test_slow_adds_latency(sim, api):
    sim.set_fault(0, 'slow', delay_ms=300, count=1)
    start = time.monotonic()
    assert api.get(VERSION).status_code == 200
    assert time.monotonic() - start >= 0.3
    # The one slowed request used the fault up: the next is served as is.
    assert sim.faults()['127.0.0.11'] == []
    assert api.get(VERSION).status_code == 200


def test_reset_resets_the_connection(sim, api):
    # Over TLS the client's ssl layer reports the RST as an abrupt close.
    sim.set_fault(0, 'reset', count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get(VERSION)
    assert Api(sim).get(VERSION).status_code == 200


def test_fault_arguments_are_checked(sim):
    with pytest.raises(ValueError):
        sim.set_fault(0, 'flaky')
    with pytest.raises(ValueError):
        sim.set_fault(0, 'status', status=200)
    with pytest.raises(ValueError):
        sim.set_fault(0, 'down', count=1)
    with pytest.raises(ValueError):
        sim.set_fault(0, 'slow')


def test_plain_http_and_explicit_port(tmp_path):
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    with Simulator(nodes=2, ips=['127.0.0.21', '127.0.0.22'], port=port,
                   tls=False, workdir=str(tmp_path)) as sim:
        assert sim.ca_path is None
        assert sim.urls == ['http://127.0.0.21:%d' % port,
                            'http://127.0.0.22:%d' % port]
        assert Api(sim).get(VERSION, node=1).status_code == 200
        sim.set_fault(0, 'reset', count=1)
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            Api(sim).get(VERSION)
        assert 'reset by peer' in str(info.value)
        with pytest.raises(OSError):
            Simulator(nodes=1, ips=['127.0.0.21'], port=port,
                      tls=False).start()


def test_non_loopback_addresses_are_refused():
    with pytest.raises(ValueError):
        Simulator(ips=['192.0.2.1'])


def test_stop_closes_every_socket_and_thread(tmp_path):
    baseline = threading.active_count()
    sim = Simulator(nodes=2, ips=['127.0.0.31', '127.0.0.32'],
                    workdir=str(tmp_path), admin_port=0)
    sim.start()
    api = Api(sim)
    assert api.get(VERSION).status_code == 200  # a kept-alive connection
    sim.set_fault(1, 'blackhole')
    held = threading.Thread(target=lambda: pytest.raises(
        requests.exceptions.ConnectionError, Api(sim).get, VERSION, node=1))
    held.start()
    urls = sim.urls
    sim.stop()
    held.join(5)
    assert not held.is_alive()
    for url in urls:
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(url + VERSION, verify=False, timeout=2)
    assert threading.active_count() <= baseline
    sim.stop()  # idempotent
