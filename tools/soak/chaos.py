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

"""Faults the soak injects into the simulated cluster, chosen at random."""

FAULT_KINDS = ('down', 'blackhole', 'status', 'status_all', 'throttle',
               'reset', 'slow', 'failed_create', 'stale_etag')


class Chaos:
    """Draws faults from ``rng`` and sets them through the admin API."""

    def __init__(self, rng, sim, nodes):
        self._rng = rng
        self._sim = sim
        self._nodes = nodes

    def draw(self, volumes):
        """A fault to inject (a dict), drawn now so the seed decides it."""
        rng = self._rng
        kind = rng.choice(FAULT_KINDS)
        node = rng.randrange(self._nodes)
        if kind == 'down':
            return {'node': node, 'kind': 'down'}
        if kind == 'blackhole':
            return {'node': node, 'kind': 'blackhole',
                    'count': rng.randint(1, 2)}
        if kind in ('status', 'status_all'):
            fault = {'kind': 'status', 'status': rng.choice((500, 502, 503)),
                     'count': rng.randint(1, 4)}
            nodes = range(self._nodes) if kind == 'status_all' else [node]
            return {'nodes': [dict(fault, node=n) for n in nodes]}
        if kind == 'throttle':
            return {'node': node, 'kind': 'status', 'status': 429,
                    'count': rng.randint(1, 4), 'retry_after': 1}
        if kind == 'reset':
            return {'node': node, 'kind': 'reset',
                    'count': rng.randint(1, 3)}
        if kind == 'slow':
            return {'node': node, 'kind': 'slow',
                    'delay_ms': rng.randint(50, 1500),
                    'count': rng.randint(1, 5)}
        if kind == 'failed_create':
            return {'fail_next': rng.choice(('volume', 'snapshot'))}
        candidates = sorted(v.cluster_name + ' ' + v.lightos_project
                            for v in volumes.values()
                            if v.status in ('available', 'in-use'))
        if not candidates:
            return None
        name, project = rng.choice(candidates).split()
        return {'bump': {'project': project, 'name': name}}

    def inject(self, fault):
        """Set ``fault``; faults of a node stay until ``clear``."""
        if fault is None:
            return
        if 'fail_next' in fault:
            self._sim.admin('POST', '/fail-next-create',
                            {'kind': fault['fail_next']})
        elif 'bump' in fault:
            self._bump(**fault['bump'])
        else:
            for one in fault.get('nodes') or [fault]:
                self._sim.admin('POST', '/faults', one)

    def _bump(self, project, name):
        # A change made behind the driver's back: its ETag moves on.
        state = self._sim.state()
        for record in state['projects'].get(project, {}).get('volumes', ()):
            if record['name'] == name:
                self._sim.admin('POST', '/bump-etag',
                                {'project': project, 'uuid': record['UUID']})

    def clear(self):
        self._sim.admin('DELETE', '/faults')

    @staticmethod
    def describe(fault):
        if fault is None:
            return '-'
        if 'nodes' in fault:
            one = fault['nodes'][0]
            return 'status %s x%s on every node' % (
                one['status'], one['count'])
        if 'fail_next' in fault:
            return 'next %s create Failed' % fault['fail_next']
        if 'bump' in fault:
            return 'stale ETag of %s' % fault['bump']['name']
        return ' '.join('%s=%s' % item for item in sorted(fault.items()))
