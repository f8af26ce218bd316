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

"""Waits of the kill tests: operations, the simulator, the service list."""

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from tests.functional.activeactive import cluster as cluster_mod


def settle(futures, errors=None):
    """Wait for every future; return how many succeeded and failed.

    The failures' messages are appended to ``errors`` if given.
    """
    done = {'ok': 0, 'failed': 0}
    for future in futures:
        try:
            future.result(cluster_mod.REPLY_TIMEOUT)
            done['ok'] += 1
        except cluster_mod.ServiceError as exc:
            done['failed'] += 1
            if errors is not None:
                errors.append(str(exc))
    return done


def wait_reported_down(svc, host):
    """Poll ``cinder service-list`` until ``host`` is down; its row."""
    def probe():
        found = svc.call('services')
        if found[host]['is_up']:
            raise exception.NotReady('%s is up' % host)
        assert found['node-b@lightos']['is_up'], found
        return found[host]
    return waiters.wait_for(probe, timeout=60, interval=0.5, max_interval=2,
                            what='%s to be reported down' % host)


def wait_answered(sim):
    """Wait until the simulator answered every request it received."""
    def probe():
        busy = {node: counts['requests'] - sum(counts['routes'].values())
                for node, counts in sim.counters()['nodes'].items()}
        if any(busy.values()):
            raise exception.NotReady(busy)
    waiters.wait_for(probe, timeout=60, interval=0.1, max_interval=1,
                     what='the simulator to answer every request')
