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

"""A dead service's cut-off grant, withdrawn by a stand-in start of it.

An attach killed after the driver's grant reached the cluster but before
Cinder stored the attachment's connector leaves the host in the ACL, and
deleting that attachment (what Nova does) never reaches the driver. The
surviving service does not withdraw the grant (only heartbeats say its
owner is dead); the operator starts a cinder-volume with the dead
service's ``host`` once, whose start-up settles the grants recorded under
that host, as the active-active page describes.
"""

import json
import time
import uuid

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from tests.functional.activeactive import checks
from tests.functional.activeactive import waits
from tests.functional import cinder_objects
from tests.functional import simstate

# Long enough for the kill to land while the grant's PUT is held.
_PUT_DELAY_MS = 3000


def _acl(sim, volume_id):
    return sorted(simstate.acl(
        simstate.volume_named(sim, 'volume-%s' % volume_id)))


def _hold_grant(sim, volume_id):
    """Hold the next PUT of the LightOS volume on every node; the total."""
    found = simstate.volume_named(sim, 'volume-%s' % volume_id)
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'slow', count=1, method='PUT',
                      path='/volumes/%s$' % found['UUID'],
                      delay_ms=_PUT_DELAY_MS)
    return len(sim.addresses)


def _wait_put_taken(sim, total):
    def probe():
        left = sum(f.get('count', 0) for faults in sim.faults().values()
                   for f in faults)
        if left == total:
            raise exception.NotReady('no PUT held yet')
    waiters.wait_for(probe, timeout=60, interval=0.05, max_interval=0.5,
                     what='the grant to reach the cluster')


def test_a_stand_in_start_withdraws_a_dead_service_grant(
        cluster, services, sim, report):
    a, b = services
    shared = str(uuid.uuid4())
    assert b.call('create_volume', id=shared, size=1) == 'available'
    live_host, cut_host = (cinder_objects.connector(1),
                           cinder_objects.connector(2))
    live = b.call('attach', volume_id=shared, connector=live_host)

    total = _hold_grant(sim, shared)
    cut = str(uuid.uuid4())
    dying = a.submit('attach', volume_id=shared, connector=cut_host,
                     attachment_id=cut)
    _wait_put_taken(sim, total)
    a.kill()
    assert waits.settle([dying]) == {'ok': 0, 'failed': 1}
    # The held PUT is carried out after node-a died.
    waits.wait_answered(sim)
    sim.clear_faults()
    assert _acl(sim, shared) == sorted([live_host['nqn'], cut_host['nqn']])
    (row,) = [v for v in b.call('records')['volumes'] if v['id'] == shared]
    assert {x['id']: x['nqn'] for x in row['attachments']} == {
        live['attachment_id']: live_host['nqn'], cut: None}

    # What Nova does about the failed attach: the attachment, which names
    # no host, goes without a call to the driver; the grant stays.
    b.call('detach', volume_id=shared, attachment_id=cut)
    assert _acl(sim, shared) == sorted([live_host['nqn'], cut_host['nqn']])

    waits.wait_reported_down(b, 'node-a@lightos')
    dead = cluster.services['node-a']
    started = time.monotonic()
    # cinder-volume --config-file <node-a's cinder.conf>, on any machine,
    # until it reports up; then stopped again.
    (stand_in,) = cluster.start('node-a')
    stand_in_seconds = round(time.monotonic() - started, 1)
    stand_in.stop()
    dead.stop()
    assert _acl(sim, shared) == [live_host['nqn']]

    records = b.call('records')
    checks.assert_consistent(sim, records)
    b.call('detach', volume_id=shared, attachment_id=live['attachment_id'])
    assert _acl(sim, shared) == simstate.NONE
    records = b.call('records')
    outcome = checks.outcome(sim, records)
    outcome['stand_in_seconds'] = stand_in_seconds
    report('Grant cut off by a SIGKILL of node-a, then a stand-in start of '
           'node-a: %s' % json.dumps(outcome))
    assert outcome['stale_acl_entries'] == 0 and outcome['leaks'] == 0, (
        outcome)
