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

"""REST requests per driver operation, counted by the simulator."""

import collections

from tests.functional import cinder_objects


def _routes(sim):
    routes = collections.Counter()
    for node in sim.counters()['nodes'].values():
        routes.update(node['routes'])
    return routes


def _count(sim, operation):
    """Run ``operation`` and return the requests it sent, by route."""
    before = _routes(sim)
    operation()
    after = _routes(sim)
    after.subtract(before)
    return {route: n for route, n in after.items() if n}


def test_requests_per_operation(sim, drv, make_volume, make_snapshot,
                                attach):
    """Round trips of each operation on the hot path.

    The simulator completes transitions before it answers, so every count
    is exact: a change that adds a request to an operation shows here.
    """
    volume = make_volume(size=1)
    host = cinder_objects.connector(1)
    clone = make_volume(size=1)
    counts = {}
    counts['create'] = _count(
        sim, lambda: cinder_objects.provided(volume,
                                             drv.create_volume(volume)))
    counts['attach'] = _count(
        sim, lambda: drv.initialize_connection(volume, host))
    attach(volume, host)
    counts['detach'] = _count(
        sim, lambda: drv.terminate_connection(volume, host))
    snapshot = make_snapshot(volume)
    counts['snapshot'] = _count(sim, lambda: drv.create_snapshot(snapshot))
    counts['clone'] = _count(
        sim, lambda: cinder_objects.provided(
            clone, drv.create_cloned_volume(clone, volume)))
    counts['extend'] = _count(sim, lambda: drv.extend_volume(volume, 2))
    counts['delete snapshot'] = _count(
        sim, lambda: drv.delete_snapshot(snapshot))
    counts['delete'] = _count(sim, lambda: drv.delete_volume(volume))
    totals = {op: sum(routes.values()) for op, routes in counts.items()}
    assert totals == {'create': 2, 'attach': 3, 'detach': 3, 'snapshot': 3,
                      'clone': 6, 'extend': 3, 'delete snapshot': 3,
                      'delete': 3}, counts
