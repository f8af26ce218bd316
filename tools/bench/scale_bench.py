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

"""Driver-bench figure: 50, 100 and 200 concurrent operations per driver.

Creates, attaches of distinct volumes to distinct hosts, detaches and
deletes, each batch started at once in eventlet green threads of one worker
(as cinder-volume runs requests), at the highest simulator delay, against
the same operation alone (the one-operation floor) in the same run. The
simulator runs in this process: its CPU seconds during a batch, next to the
batch's wall time, show whether the simulator is what limits it.
"""

import os
import statistics
import time

OURS, INTREE = 'ours', 'intree'
OPERATIONS = ('create_volume', 'initialize_connection',
              'terminate_connection', 'delete_volume')
SHORT = {'create_volume': 'create', 'initialize_connection': 'attach',
         'terminate_connection': 'detach', 'delete_volume': 'delete'}

FULL = {'scale_counts': '50,100,200', 'scale_repetitions': 2}
SMOKE = {'scale_counts': '4', 'scale_repetitions': 1}
GOAL = 1.5


# --driver-<key> options, added by driver_bench: (key, type, help).
OPTIONS = [
    ('scale_counts', str, 'comma-separated numbers of concurrent operations '
     '(default %s, smoke %s)' % (FULL['scale_counts'], SMOKE['scale_counts'])),
    ('scale_repetitions', int, 'repetitions of the concurrency figure '
     '(default %d)' % FULL['scale_repetitions']),
]


def _statuses(sim, before):
    """Answer statuses counted since ``before``: {'429': n, ...}."""
    counted = {}
    for address, node in sim.counters()['nodes'].items():
        for status, count in node['statuses'].items():
            count -= before[address]['statuses'].get(status, 0)
            if count:
                counted[str(status)] = counted.get(str(status), 0) + count
    return counted


def _one(bench, sim, worker, backend):
    """Each operation alone on one volume: seconds and REST requests."""
    out = {}
    for op in OPERATIONS:
        before = sim.counters()['nodes']
        answer = worker.call('op', backend=backend, op=op, key='single')
        out[op] = {'seconds': answer['seconds'],
                   'requests': bench.requests(sim, before)[0]}
    return out


def _batch(bench, sim, worker, backend, op, count):
    before = sim.counters()['nodes']
    cpu = time.process_time()
    answer = worker.call('concurrent', backend=backend, op=op, count=count)
    sim_cpu = time.process_time() - cpu
    requests = bench.requests(sim, before)[0]
    statuses = _statuses(sim, before)
    return {'seconds': answer['seconds'], 'slowest': max(answer['each']),
            'errors': answer['errors'][:3], 'failed': len(answer['errors']),
            'requests': requests, 'statuses': statuses,
            'client_cpu': answer['cpu'], 'simulator_cpu': sim_cpu,
            'load': os.getloadavg()[0]}


def _counts(conf):
    return [int(c) for c in str(conf['scale_counts']).split(',') if c]


def measure(bench):
    conf = bench.conf
    delay = max(conf['delays'])
    sim, backend = bench.sims[delay], 'lat-%d' % delay
    out = bench.results.setdefault('scale', {'delay_ms': delay,
                                             'counts': _counts(conf)})
    for name, worker in bench.rounds(conf['scale_repetitions']):
        entry = out.setdefault(name, {'one': [], 'batches': {}})
        bench.fresh(sim, worker)
        entry['one'].append(_one(bench, sim, worker, backend))
        for count in out['counts']:
            bench.fresh(sim, worker)
            for op in OPERATIONS:
                entry['batches'].setdefault(str(count), {}).setdefault(
                    op, []).append(_batch(bench, sim, worker, backend, op,
                                          count))


def summarise(results):
    if 'scale' not in results:
        return None
    data = results['scale']
    out = {'delay_ms': data['delay_ms'], 'counts': data['counts']}
    for name in (OURS, INTREE):
        entry = data[name]
        one = {op: statistics.median(r[op]['seconds'] for r in entry['one'])
               for op in OPERATIONS}
        one_requests = {op: statistics.median(r[op]['requests']
                                              for r in entry['one'])
                        for op in OPERATIONS}
        rows = {}
        for count, ops in entry['batches'].items():
            for op, runs in ops.items():
                wall = statistics.median(r['seconds'] for r in runs)
                rows.setdefault(count, {})[op] = {
                    'seconds': wall,
                    'over_one': wall / one[op] if one[op] else None,
                    'requests_per_op': statistics.median(
                        r['requests'] for r in runs) / int(count),
                    'failed': max(r['failed'] for r in runs),
                    'throttled': max(r['statuses'].get('429', 0)
                                     for r in runs),
                    'unavailable': max(r['statuses'].get('503', 0)
                                       for r in runs),
                    'simulator_cpu': statistics.median(
                        r['simulator_cpu'] for r in runs),
                    'client_cpu': statistics.median(
                        r['client_cpu'] for r in runs),
                    # CPU per unit of work: unlike wall time, it does not
                    # grow when other work shares the machine's cores.
                    'driver_ms_per_request': statistics.median(
                        1e3 * r['client_cpu'] / max(r['requests'], 1)
                        for r in runs),
                    'driver_ms_per_op': statistics.median(
                        1e3 * r['client_cpu'] / int(count) for r in runs),
                    'simulator_ms_per_request': statistics.median(
                        1e3 * r['simulator_cpu'] / max(r['requests'], 1)
                        for r in runs),
                    'load': max(r['load'] for r in runs),
                    'errors': [e for r in runs for e in r['errors']][:2]}
        out[name] = {'one': one, 'one_requests': one_requests,
                     'batches': rows}
    return out


def print_table(summ, label):
    print('Concurrent operations at %d ms in eventlet green threads of one '
          'process (distinct volumes; attaches to distinct hosts); median '
          'wall time, s. one = the operation alone; x1 = batch / one; '
          'REST/op = requests per operation (alone: in brackets); CPU '
          'ms = CPU time of the driver\'s process per REST request and per '
          'operation, and of the simulator per request, during the batch; '
          'load = 1-minute load average' % summ['delay_ms'])
    print('  %-16s %-7s %5s %7s %8s %7s %11s %5s %5s %7s %6s %7s %5s' % (
        'driver', 'op', 'count', 'one', 'batch', 'x1', 'REST/op', '429',
        'fail', 'drv/req', 'drv/op', 'sim/req', 'load'))
    for name in (OURS, INTREE):
        row = summ[name]
        for count in sorted(row['batches'], key=int):
            for op in OPERATIONS:
                cell = row['batches'][count].get(op)
                if cell is None:
                    continue
                print('  %-16s %-7s %5s %7.3f %8.3f %6.2fx %5.2f (%2g) '
                      '%5d %5d %7.2f %6.2f %7.2f %5.1f' % (
                          label[name], SHORT[op], count, row['one'][op],
                          cell['seconds'], cell['over_one'] or 0,
                          cell['requests_per_op'], row['one_requests'][op],
                          cell['throttled'], cell['failed'],
                          cell['driver_ms_per_request'],
                          cell['driver_ms_per_op'],
                          cell['simulator_ms_per_request'], cell['load']))
                for error in cell['errors']:
                    print('      e.g. %s' % error[:150])


def targets(summ):
    ours = summ[OURS]
    top = str(max(summ['counts']))
    cell = ours['batches'][top]['create_volume']
    throttled = sum(c['throttled'] for ops in ours['batches'].values()
                    for c in ops.values())
    return [('%s concurrent creates within %.1fx of one' % (top, GOAL),
             '%.2fx; %.2f ms CPU/req' % (
                 cell['over_one'], cell['driver_ms_per_request']),
             cell['over_one'] is not None and cell['over_one'] <= GOAL),
            ('concurrent batches: no 429, no failure',
             '%d 429s, %d failed' % (throttled, sum(
                 c['failed'] for ops in ours['batches'].values()
                 for c in ops.values())),
             not throttled and not any(
                 c['failed'] for ops in ours['batches'].values()
                 for c in ops.values()))]
