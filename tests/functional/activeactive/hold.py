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

"""An attach held at the simulator while the driver holds its lock."""

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from tests.functional.activeactive import cluster as cluster_mod
from tests.functional import cinder_objects
from tests.functional import simstate

# Long enough never to end by itself: the test releases it.
_HOLD_MS = 120000


def access_lock(volume_id):
    """The driver's lock of a volume's access changes."""
    return 'lightos-access-%s' % volume_id


def start_attach(sim, svc, volume_id, host=1):
    """Start an attach on ``svc`` and hold it inside the driver's lock.

    The first request on the LightOS volume's own path comes from inside
    initialize_connection, under the lock; the simulator holds it.
    Returns the attach's Future.
    """
    found = simstate.volume_named(sim, 'volume-%s' % volume_id)
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'slow', count=1, delay_ms=_HOLD_MS,
                      path='/volumes/%s' % found['UUID'])
    future = svc.submit('attach', volume_id=volume_id,
                        connector=cinder_objects.connector(host))

    def probe():
        left = sum(len(faults) for faults in sim.faults().values())
        if left == len(sim.addresses):
            raise exception.NotReady('%d faults untaken' % left)
        return left
    waiters.wait_for(probe, timeout=60, interval=0.05, max_interval=0.5,
                     what='the attach to reach the LightOS volume')
    return future


def finish(sim, future):
    """Let the held attach go on; its result."""
    sim.clear_faults()
    return future.result(cluster_mod.REPLY_TIMEOUT)
