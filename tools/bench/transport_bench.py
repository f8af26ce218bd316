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

"""Benchmark section: REST transport latency and failover cost."""

import os
import statistics
import tempfile
import time
import types
import warnings

import certifi
import requests

from lightos_cinder.api import credentials
from lightos_cinder.api import endpoints
from lightos_cinder.api import transport

DESCRIPTION = 'pooled transport vs a new session per call; failover cost'

PATH = '/api/v2/clusterinfo'


def add_arguments(parser):
    group = parser.add_argument_group('transport')
    group.add_argument('--transport-calls', type=int, default=None,
                       help='GET requests timed per client (default 200, '
                            'with --smoke 10)')
    group.add_argument('--transport-service-timeout', type=float,
                       default=None,
                       help='read timeout of one attempt in the blackhole '
                            'test (lightos_api_service_timeout; default 5, '
                            'with --smoke 1)')
    group.add_argument('--transport-connect-timeout', type=float,
                       default=3.0,
                       help='lightos_api_connect_timeout (default 3)')
    group.add_argument('--transport-no-in-tree', action='store_true',
                       help="do not also time Cinder's in-tree LightOS "
                            "connection")


def _timed(call, count):
    """Milliseconds of each of ``count`` calls of ``call``."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000.0)
    return times


def _summary(times):
    return 'mean %8.2f ms  median %8.2f ms  (n=%d)' % (
        statistics.fmean(times), statistics.median(times), len(times))


def _fresh_session_get(url, token, verify, timeout):
    """One GET on a brand-new session: a TCP and TLS handshake each time."""
    with requests.Session() as session:
        response = session.get(
            url, timeout=timeout, verify=verify,
            headers={'Accept': 'application/json',
                     'Authorization': 'Bearer %s' % token})
        response.raise_for_status()
        return response.json()


def _in_tree_connection(sim, token):
    """Cinder's in-tree LightOS connection object, or None if unavailable.

    It cannot verify against a CA bundle path (it passes the boolean
    driver_ssl_cert_verify to requests), so it runs without verification.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            from cinder.volume.drivers import lightos as in_tree
    except ImportError:
        return None
    conf = types.SimpleNamespace(
        lightos_api_address=list(sim.addresses),
        lightos_api_port=sim.port, lightos_api_service_timeout=30,
        lightos_jwt=token, driver_ssl_cert_verify=False)
    connection = in_tree.LightOSConnection(conf)
    # Pin it to the first node like the pooled client, for a fair figure.
    connection._cur_api_server_idx = 0
    return connection


def _combined_bundle(sim, workdir):
    """The default CA store (certifi) plus the cluster's CA, as one file.

    This is what a client that verifies with the default store must load
    to trust a cluster with a private CA.
    """
    path = os.path.join(workdir, 'default-plus-cluster-ca.pem')
    with open(path, 'w') as bundle:
        for source in (certifi.where(), sim.ca_path):
            with open(source) as part:
                bundle.write(part.read().rstrip('\n') + '\n')
    return path


def _pooled_times(sim, token, verify, calls):
    """Per-call ms of the pooled transport, and connections it opened."""
    pooled = transport.Transport(
        sim.addresses, sim.port,
        token_source=credentials.TokenSource(value=token), verify=verify)
    try:
        before = sim.counters()['nodes']
        for _ in range(5):
            pooled.request('GET', PATH)
        times = _timed(lambda: pooled.request('GET', PATH), calls)
        after = sim.counters()['nodes']
    finally:
        pooled.close()
    opened = sum(after[a]['connections'] - before[a]['connections']
                 for a in after)
    served = sum(after[a]['requests'] - before[a]['requests'] for a in after)
    return times, opened, served


def _fresh_times(sim, token, verify, calls):
    url = endpoints.format_base_url(sim.addresses[0], sim.port) + PATH
    for _ in range(5):
        _fresh_session_get(url, token, verify, (3.0, 30.0))
    return _timed(lambda: _fresh_session_get(url, token, verify,
                                             (3.0, 30.0)), calls)


def _latency(args, sim, token, workdir):
    calls = args.transport_calls or (10 if args.smoke else 200)
    bundles = [('cluster CA only', sim.ca_path),
               ('default CA store + cluster CA',
                _combined_bundle(sim, workdir))]
    print('GET %s over HTTPS with certificate verification, %d calls per '
          'line:' % (PATH, calls))
    pooled_means = []
    for label, verify in bundles:
        ours, opened, served = _pooled_times(sim, token, verify, calls)
        fresh = _fresh_times(sim, token, verify, calls)
        ratio = statistics.fmean(fresh) / statistics.fmean(ours)
        pooled_means.append(statistics.fmean(ours))
        print('  CA bundle: %s' % label)
        print('    pooled transport        %s' % _summary(ours))
        print('    new session per call    %s' % _summary(fresh))
        print('    ratio (new session / pooled, means): %.1fx' % ratio)
        print('    pooled: %d new connection(s) for %d requests (simulator '
              'counters)' % (opened, served))

    in_tree = None if args.transport_no_in_tree else _in_tree_connection(
        sim, token)
    if in_tree is not None:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            for _ in range(5):
                in_tree.send_cmd('get_cluster_info', timeout=30)
            legacy = _timed(lambda: in_tree.send_cmd('get_cluster_info',
                                                     timeout=30), calls)
        print("  cinder in-tree LightOSConnection.send_cmd, verification off "
              "(it cannot use a CA bundle path)")
        print('    in-tree                 %s' % _summary(legacy))
        print('    ratio (in-tree / pooled with cluster CA, means): %.1fx'
              % (statistics.fmean(legacy) / pooled_means[0]))


def _failover(args, sim, token, kind):
    """Time the first and the next five calls after node 0 goes bad."""
    tr = transport.Transport(
        sim.addresses, sim.port,
        token_source=credentials.TokenSource(value=token),
        verify=sim.ca_path,
        connect_timeout=args.transport_connect_timeout,
        read_timeout=args.transport_service_timeout)
    try:
        for _ in range(3):
            tr.request('GET', PATH)      # sticks to node 0, pools connections
        sim.set_fault(0, kind)
        first = _timed(lambda: tr.request('GET', PATH), 1)
        following = _timed(lambda: tr.request('GET', PATH), 5)
        health = tr.endpoint_health()
    finally:
        sim.clear_faults()
        tr.close()
    print('node 0 %s (connect timeout %.1f s, service timeout %.1f s):'
          % ('blackholed' if kind == 'blackhole' else kind,
             args.transport_connect_timeout, args.transport_service_timeout))
    print('  first call       %9.1f ms' % first[0])
    print('  next five calls  %s ms' % ', '.join('%.1f' % t
                                                 for t in following))
    skipped = [url for url, why in health.items() if why]
    print('  endpoints in back-off afterwards: %s'
          % (', '.join('%s (%s)' % (url, health[url]) for url in skipped)
             or 'none'))


def run(args, sim):
    if args.transport_service_timeout is None:
        args.transport_service_timeout = 1.0 if args.smoke else 5.0
    token = sim.system_token
    with tempfile.TemporaryDirectory(prefix='lightos-bench-') as workdir:
        _latency(args, sim, token, workdir)
    print()
    _failover(args, sim, token, 'blackhole')
    print()
    _failover(args, sim, token, 'down')
    return 0
