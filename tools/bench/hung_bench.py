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

"""Driver-bench figures: a hung API node at default settings, 503 detach.

Measured inside the driver section (same workers, same run), reported next
to its tables. A hung node is the simulator's blackhole fault: connections
are accepted and requests never answered.
"""

import statistics

OURS, INTREE = 'ours', 'intree'

FULL = {'hung_repetitions': 3, 'hung_next': 3, 'hung_timeout': None,
        'busy_budget': None, 'busy_intree_timeout': 5}
# Smoke: short timeouts so that CI's run stays quick.
SMOKE = {'hung_repetitions': 1, 'hung_next': 2, 'hung_timeout': 1,
         'busy_budget': 2, 'busy_intree_timeout': 1}


# --driver-<key> options, added by driver_bench: (key, type, help).
OPTIONS = [
    ('hung_repetitions', int, 'repetitions of the hung-node figure '
     '(default %d)' % FULL['hung_repetitions']),
    ('hung_next', int, 'creates timed after the first one on a hung node '
     '(default %d)' % FULL['hung_next']),
    ('hung_timeout', int, 'lightos_api_service_timeout of the hung-node '
     'figure (default: the option default, 30 s)'),
    ('busy_budget', int, 'lightos_rpc_call_budget of the detach under 503 '
     '(default: the option default, three quarters of '
     'rpc_response_timeout)'),
    ('busy_intree_timeout', int, "lightos_api_service_timeout of the "
     "in-tree driver's detach under 503: each of its retry loops lasts 3 "
     "times this plus 10 s (default %d; its option default, 30, makes "
     "100 s loops)" % FULL['busy_intree_timeout']),
]


def backend_options(conf, driver):
    """Extra backend sections: name -> options (None = option default)."""
    hung = {}
    if conf['hung_timeout'] is not None:
        hung['lightos_api_service_timeout'] = conf['hung_timeout']
    busy = {}
    if driver == INTREE:
        busy['lightos_api_service_timeout'] = conf['busy_intree_timeout']
    elif conf['busy_budget'] is not None:
        busy['lightos_rpc_call_budget'] = conf['busy_budget']
    return {'hung': hung, 'busy': busy}


def _duplicates(sim):
    names = [v['name'] for v in sim.state()['projects'].get(
        'default', {}).get('volumes', [])]
    return len(names) - len(set(names))


def _hung(bench):
    conf, sim = bench.conf, bench.sims[0]
    out = bench.results.setdefault('hung', {
        'service_timeout': conf['hung_timeout'] or 30})
    for name, worker in bench.rounds(conf['hung_repetitions']):
        # The first create warms the driver up; the probe finds the node.
        with bench.faulted(sim, worker, 'hung', 'blackhole', lambda: (
                worker.call('try_op', backend='hung', op='create_volume',
                            key='healthy'))) as healthy:
            first = worker.call('try_op', backend='hung',
                                op='create_volume', key='first')
            after = [worker.call('try_op', backend='hung',
                                 op='create_volume', key='next-%d' % i)
                     for i in range(conf['hung_next'])]
        entry = out.setdefault(name, {
            'healthy': [], 'first': [], 'next': [], 'errors': [],
            'duplicates': 0})
        entry['healthy'].append(healthy['seconds'])
        entry['first'].append(first['seconds'])
        entry['next'].append([a['seconds'] for a in after])
        entry['errors'].extend(a['error'] for a in [first] + after
                               if a['error'])
        entry['duplicates'] += _duplicates(sim)


def _busy(bench):
    """One detach per driver while every node answers 503."""
    sim = bench.sims[0]
    out = bench.results['busy'] = {
        'budget': bench.conf['busy_budget'],
        'intree_timeout': bench.conf['busy_intree_timeout']}
    for name, worker in bench.workers.items():
        bench.fresh(sim, worker)
        worker.call('op', backend='busy', op='create_volume', key='vol')
        worker.call('op', backend='busy', op='initialize_connection',
                    key='vol')
        for node in range(len(sim.addresses)):
            sim.set_fault(node, 'status', status=503)
        before = sim.counters()['nodes']
        try:
            answer = worker.call('try_op', backend='busy',
                                 op='terminate_connection', key='vol')
        finally:
            sim.clear_faults()
        volumes = sim.state()['projects']['default']['volumes']
        out[name] = {'seconds': answer['seconds'], 'error': answer['error'],
                     'requests': bench.requests(sim, before)[0],
                     'host_kept_access': any(
                         len(v['acl']['values']) > 0 and
                         v['acl']['values'] != ['ALLOW_NONE']
                         for v in volumes)}


def measure(bench):
    _hung(bench)
    _busy(bench)


def summarise(results):
    if 'hung' not in results:
        return None
    data, out = results['hung'], {}
    for name in (OURS, INTREE):
        entry = data[name]
        extra = [f - h for f, h in zip(entry['first'], entry['healthy'])]
        later = [t for times in entry['next'] for t in times]
        out[name] = {
            'healthy': statistics.median(entry['healthy']),
            'first_extra': statistics.median(extra),
            'first_extra_max': max(extra),
            'next_extra_max': max(t - statistics.median(entry['healthy'])
                                  for t in later) if later else 0.0,
            'operations': len(entry['first']) + len(later),
            'errors': len(entry['errors']),
            'duplicates': entry['duplicates']}
    out['service_timeout'] = data['service_timeout']
    out['busy'] = results.get('busy')
    return out


def print_table(summ, label):
    print('Create while the API node in use hangs (blackhole), '
          'lightos_api_service_timeout = %d s, other options at their '
          'defaults, s' % summ['service_timeout'])
    for name in (OURS, INTREE):
        row = summ[name]
        print('  %-16s healthy %.3f  first %+.3f (max %+.3f)  next max '
              '%+.3f  errors %d of %d  duplicate volumes %d' % (
                  label[name], row['healthy'], row['first_extra'],
                  row['first_extra_max'], row['next_extra_max'],
                  row['errors'], row['operations'], row['duplicates']))
    busy = summ.get('busy')
    if busy and OURS in busy:
        print('Detach (terminate_connection) while every node answers 503 '
              '(%s: lightos_rpc_call_budget %s; %s: '
              'lightos_api_service_timeout %s s)' % (
                  label[OURS], busy['budget'] or 'default', label[INTREE],
                  busy['intree_timeout']))
        for name in (OURS, INTREE):
            row = busy.get(name)
            if row is None:
                continue
            print('  %-16s %s after %.1f s, %d REST requests; the host %s' % (
                label[name], 'raised' if row['error'] else
                'returned success', row['seconds'], row['requests'],
                'still has access' if row['host_kept_access'] else
                'has no access'))


def targets(summ):
    ours = summ[OURS]
    rows = [('hung node: first create +<= 1 s, no error',
             '%+.2f s, %d errors' % (ours['first_extra_max'],
                                     ours['errors']),
             ours['first_extra_max'] <= 1.0 and ours['errors'] == 0),
            ('hung node: next creates cost nothing extra',
             '%+.3f s' % ours['next_extra_max'],
             ours['next_extra_max'] < 0.1),
            ('hung node: errors <= in-tree, no duplicates',
             '%d vs %d, %d' % (ours['errors'], summ[INTREE]['errors'],
                               ours['duplicates']),
             ours['errors'] <= summ[INTREE]['errors'] and
             not ours['duplicates'])]
    busy = (summ.get('busy') or {}).get(OURS)
    if busy:
        rows.append(('detach under 503 answers within 60 s RPC timeout',
                     '%.1f s' % busy['seconds'],
                     busy['seconds'] < 60 and busy['error'] is not None))
    return rows
