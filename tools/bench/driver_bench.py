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

"""Benchmark section: this driver vs Cinder's in-tree driver, side by side.

Both drivers run unmodified, each in its own worker process (their option
registrations clash), configured only through a cinder.conf, against the
same simulated clusters over HTTPS in the same run. This process owns the
simulators: it resets them, injects faults and reads their request
counters around each timed call.
"""

import contextlib
import json
import os
import tempfile

import bench_report
import hung_bench
import scale_bench
import workers

from lightos_cinder.simulator import Simulator

DESCRIPTION = ("this driver vs Cinder's in-tree driver: latency, overhead, "
               "concurrency, failover, startup")

# The timed sequence of one repetition: (operation, key, arguments).
# The floor of each is the number of simulator transitions it has to wait
# for, times the configured delay: a clone waits for its temporary
# snapshot to be created and the clone to be created (the snapshot's
# removal is requested, not awaited).
SEQUENCE = [
    ('create_volume', 'vol', {}, 1),
    ('initialize_connection', 'vol', {}, 1),
    ('terminate_connection', 'vol', {}, 1),
    ('extend_volume', 'vol', {'size': 2}, 1),
    ('create_snapshot', 'snap', {'source': 'vol'}, 1),
    ('create_volume_from_snapshot', 'from-snap', {'source': 'snap',
                                                  'size': 2}, 1),
    ('create_cloned_volume', 'clone', {'source': 'vol', 'size': 2}, 2),
]
FLOOR_TRANSITIONS = {op: count for op, _, _, count in SEQUENCE}

FULL = {'repetitions': 5, 'cycles': 50,
        'provider_volumes': 50000, 'stats_volumes': 10000,
        'service_timeout': 5, 'delays': '0,200'}
SMOKE = {'repetitions': 1, 'cycles': 3,
         'provider_volumes': 500, 'stats_volumes': 100,
         'service_timeout': 1, 'delays': '0,200'}


# --driver-<key> options of the figures: (key, type, help); the scale and
# hung-node modules list theirs the same way.
OPTIONS = [
    ('repetitions', int, 'repetitions of every figure (default %d, smoke %d)'
     % (FULL['repetitions'], SMOKE['repetitions'])),
    ('delays', str, 'comma-separated simulator delays in ms for the latency '
     'table (default %s)' % FULL['delays']),
    ('cycles', int, 'create+delete cycles of the overhead figure (default %d)'
     % FULL['cycles']),
    ('provider_volumes', int, 'volumes given to update_provider_info '
     '(default %d)' % FULL['provider_volumes']),
    ('stats_volumes', int, 'volumes on the cluster for get_volume_stats '
     '(default %d)' % FULL['stats_volumes']),
    ('service_timeout', int, 'lightos_api_service_timeout of the failover '
     'figures (default %d)' % FULL['service_timeout']),
]


def add_arguments(parser):
    group = parser.add_argument_group('driver')
    for key, kind, text in OPTIONS + scale_bench.OPTIONS + hung_bench.OPTIONS:
        group.add_argument('--driver-' + key.replace('_', '-'), type=kind,
                           help=text)
    group.add_argument('--driver-figures', metavar='NAMES',
                       help='comma-separated figures to measure (default '
                            'all: %s)' % ', '.join(
                                n.replace(" ", "-") for n in FIGURE_NAMES))
    group.add_argument('--driver-from', metavar='JSON',
                       help='measure nothing: show the table and draw the '
                            'chart of a saved driver-bench.json again')
    group.add_argument('--driver-output-dir', default='bench-results',
                       help='where driver-bench.json and driver-bench.png '
                            'go (default ./bench-results)')


def settings(args):
    """The figures' parameters: explicit options, else smoke or full."""
    base = dict(SMOKE if args.smoke else FULL)
    for module in (hung_bench, scale_bench):
        base.update(module.SMOKE if args.smoke else module.FULL)
    chosen = {}
    for key, default in base.items():
        value = getattr(args, 'driver_' + key)
        chosen[key] = default if value is None else value
    chosen['delays'] = [int(d) for d in str(chosen['delays']).split(',')]
    return chosen


def _serving_node(sim, before):
    """Index of the node that served the most requests since ``before``."""
    after = sim.counters()['nodes']
    served = [after[a]['requests'] - before[a]['requests']
              for a in sim.addresses]
    return served.index(max(served))


class Bench:
    """The simulators, the two workers and the recorded figures."""

    def __init__(self, sims, workers_, conf, results):
        self.sims = sims            # delay (ms) -> Simulator
        self.workers = workers_     # driver name -> workers.Worker
        self.conf = conf
        self.results = results

    def rounds(self, repetitions):
        """``(name, worker)`` per repetition, alternating who goes first.

        So that neither driver always meets a cold cluster.
        """
        names = list(self.workers)
        for rep in range(repetitions):
            for name in (names if rep % 2 == 0 else names[::-1]):
                yield name, self.workers[name]

    def fresh(self, sim, worker):
        sim.clear_faults()
        sim.reset()
        worker.call('forget')

    @staticmethod
    def requests(sim, before):
        """REST requests served since ``before`` and their routes."""
        after = sim.counters()['nodes']
        total, routes = 0, {}
        for address, node in after.items():
            old = before[address]
            total += node['requests'] - old['requests']
            for route, count in node['routes'].items():
                delta = count - old['routes'].get(route, 0)
                if delta:
                    routes[route] = routes.get(route, 0) + delta
        return total, routes

    @contextlib.contextmanager
    def faulted(self, sim, worker, backend, kind, probe):
        """A fresh cluster with a volume ``vol``, and a fault on one node.

        The fault ``kind`` goes to the node that served ``probe()`` (what
        the driver uses next); it is cleared on the way out. Yields what
        ``probe()`` returned.
        """
        self.fresh(sim, worker)
        worker.call('op', backend=backend, op='create_volume', key='vol')
        before = sim.counters()['nodes']
        answer = probe()
        sim.set_fault(_serving_node(sim, before), kind)
        try:
            yield answer
        finally:
            sim.clear_faults()

    def timed(self, sim, worker, cmd, **kwargs):
        before = sim.counters()['nodes']
        answer = worker.call(cmd, **kwargs)
        answer['requests'], answer['routes'] = self.requests(sim, before)
        return answer


def _latency(bench):
    conf, out = bench.conf, bench.results.setdefault('latency', {})
    for delay in conf['delays']:
        sim = bench.sims[delay]
        per_delay = out.setdefault(str(delay), {})
        for name, worker in bench.rounds(conf['repetitions']):
            bench.fresh(sim, worker)
            for op, key, kwargs, _ in SEQUENCE:
                answer = bench.timed(sim, worker, 'op',
                                     backend='lat-%d' % delay, op=op,
                                     key=key, **kwargs)
                entry = per_delay.setdefault(op, {}).setdefault(
                    name, {'seconds': [], 'requests': [], 'routes': {}})
                entry['seconds'].append(answer['seconds'])
                entry['requests'].append(answer['requests'])
                entry['routes'] = answer['routes']
        for op in per_delay:
            per_delay[op]['floor'] = FLOOR_TRANSITIONS[op] * delay / 1000.0


def _overhead(bench):
    conf = bench.conf
    sim = bench.sims[0]
    out = bench.results.setdefault('overhead', {})
    for name, worker in bench.rounds(conf['repetitions']):
        bench.fresh(sim, worker)
        seconds = requests = cpu = 0
        for cycle in range(conf['cycles']):
            for op in ('create_volume', 'delete_volume'):
                answer = bench.timed(sim, worker, 'op', backend='lat-0',
                                     op=op, key='cycle-%d' % cycle)
                seconds += answer['seconds']
                requests += answer['requests']
                cpu += answer.get('cpu', 0.0)
                entry = out.setdefault(name, {
                    'per_request': [], 'cpu_per_request': [],
                    'requests': {}})
                entry['requests'].setdefault(op, []).append(
                    answer['requests'])
        out[name]['per_request'].append(seconds / max(requests, 1))
        out[name]['cpu_per_request'].append(cpu / max(requests, 1))


def _failover(bench):
    conf = bench.conf
    sim = bench.sims[0]
    out = bench.results.setdefault('failover', {
        'service_timeout': conf['service_timeout']})
    for kind in ('blackhole', 'down'):
        for name, worker in bench.rounds(conf['repetitions']):
            def probe():
                return worker.call('failover', backend='failover', key='vol',
                                   calls=1)
            with bench.faulted(sim, worker, 'failover', kind, probe):
                answer = worker.call('failover', backend='failover',
                                     key='vol', calls=6)
            entry = out.setdefault(kind, {}).setdefault(
                name, {'first': [], 'next': []})
            entry['first'].append(answer['seconds'][0])
            entry['next'].append(answer['seconds'][1:])


def _populate(sim, count):
    """Put ``count`` volumes on the cluster directly (not over the API)."""
    for index in range(count):
        sim.cluster.create_volume('default', {
            'name': 'existing-%06d' % index, 'size': '1073741824',
            'replicaCount': 3, 'acl': {'values': ['ALLOW_NONE']}})


def _startup(bench):
    conf = bench.conf
    sim = bench.sims[0]
    out = bench.results.setdefault('startup', {
        'provider_volumes': conf['provider_volumes'],
        'stats_volumes': conf['stats_volumes']})
    for name, worker in bench.workers.items():
        bench.fresh(sim, worker)
        entry = out.setdefault(name, {
            'provider_info': [], 'provider_requests': [], 'stats': [],
            'stats_requests': [], 'stats_routes': {}})
        for _ in range(conf['repetitions']):
            answer = bench.timed(sim, worker, 'provider_info',
                                 backend='lat-0',
                                 count=conf['provider_volumes'])
            entry['provider_info'].append(answer['seconds'])
            entry['provider_requests'].append(answer['requests'])
    sim.reset()
    _populate(sim, conf['stats_volumes'])
    for name, worker in bench.workers.items():
        entry = out[name]
        for _ in range(conf['repetitions']):
            answer = bench.timed(sim, worker, 'stats', backend='lat-0')
            entry['stats'].append(answer['seconds'])
            entry['stats_requests'].append(answer['requests'])
            entry['stats_routes'] = answer['routes']
            entry['free_capacity_gb'] = answer['free_capacity_gb']


FIGURES = [('latency', _latency), ('overhead', _overhead),
           ('concurrency', scale_bench.measure), ('failover', _failover),
           ('hung node', hung_bench.measure), ('startup', _startup)]


FIGURE_NAMES = [name for name, _ in FIGURES]


def _chosen(args):
    if not args.driver_figures:
        return FIGURES
    names = set(args.driver_figures.replace('-', ' ').split(','))
    unknown = names - set(FIGURE_NAMES)
    if unknown:
        raise SystemExit('unknown figure(s) %s; choose from %s' % (
            ', '.join(sorted(unknown)), ', '.join(FIGURE_NAMES)))
    return [(name, measure) for name, measure in FIGURES if name in names]


def _conf_text(driver, sims, conf, lock_dir):
    sections = [workers.backend_section('lat-%d' % delay, driver, sim)
                for delay, sim in sims.items()]
    sections.append(workers.backend_section(
        'failover', driver, sims[0],
        lightos_api_service_timeout=conf['service_timeout']))
    for name, extra in _extra_backends(driver, conf).items():
        sections.append(workers.backend_section(name, driver, sims[0],
                                                **extra))
    return workers.cinder_conf(sections, lock_dir)


def _extra_backends(driver, conf):
    return hung_bench.backend_options(conf, driver)


@contextlib.contextmanager
def _simulators(sim, delays):
    """The section's simulator for 0 ms, one more per other delay."""
    sims, extra = {0: sim}, []
    try:
        for delay in delays:
            if delay not in sims:
                other = Simulator(nodes=len(sim.addresses), tls=True,
                                  auth=True, create_delay_ms=delay,
                                  update_delay_ms=delay,
                                  delete_delay_ms=delay)
                other.start()
                extra.append(other)
                sims[delay] = other
        yield sims
    finally:
        for other in extra:
            other.stop()


def run(args, sim):
    os.makedirs(args.driver_output_dir, exist_ok=True)
    if args.driver_from:
        with open(args.driver_from) as handle:
            saved = json.load(handle)
        return bench_report.report(saved, args.driver_output_dir)
    conf = settings(args)
    if 0 not in conf['delays']:
        conf['delays'].insert(0, 0)
    results = {'settings': dict(conf), 'drivers': {}}
    with tempfile.TemporaryDirectory(prefix='lightos-bench-') as workdir, \
            _simulators(sim, conf['delays']) as sims:
        started = {}
        try:
            for name in workers.DRIVERS:
                path = os.path.join(workdir, '%s.conf' % name)
                with open(path, 'w') as handle:
                    handle.write(_conf_text(name, sims, conf, workdir))
                started[name] = workers.Worker(
                    name, path, os.path.join(args.driver_output_dir,
                                             'worker-%s.log' % name))
                info = {}
                for backend in ['lat-%d' % d for d in conf['delays']] + [
                        'failover'] + list(_extra_backends(name, conf)):
                    info = started[name].call('setup', backend=backend)
                results['drivers'][name] = {
                    'class': info['class'], 'version': info['version'],
                    'label': workers.DRIVERS[name][1]}
            bench = Bench(sims, started, conf, results)
            for figure, measure in _chosen(args):
                print('  measuring %s ...' % figure, flush=True)
                measure(bench)
        finally:
            for worker in started.values():
                worker.close()
    return bench_report.report(results, args.driver_output_dir,
                               ' '.join(args.command_line))
