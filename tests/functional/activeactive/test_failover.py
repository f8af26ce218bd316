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

"""A service of the cluster SIGKILLed under load; etcd stopped for a while.

The kill test follows Cinder's active-active admin guide: the survivor
keeps serving; once the dead service is reported down, the workers cleanup
API (``cinder work-cleanup``: cinder-api, the scheduler's work_cleanup, a
cast to the cluster that the survivor's VolumeManager.do_cleanup takes)
moves every resource the dead service had in flight to a final state, and
what was left in error or half attached is deleted as an operator would.
The outcome is printed at the end of the run and must have no leak and no
stale ACL.
"""

import json
import time
import uuid

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from tests.functional.activeactive import checks
from tests.functional.activeactive import hold
from tests.functional.activeactive import waits
from tests.functional import cinder_objects

# The dead service's creates reach the cluster after it died.
_CREATE_DELAY_MS = 3000
_CREATE_PATHS = ('/projects/[^/]+/volumes$', '/projects/[^/]+/snapshots$')
# Well under tooz's lock_timeout (30 s): a lock released by its holder,
# not expired.
_RELEASED_WITHIN = 20
# What an operator deletes after the cleanup.
_LEFTOVER = ('error', 'creating', 'deleting', 'attaching', 'detaching')


def _new_id():
    return str(uuid.uuid4())


def _hold_creates(sim, count):
    """Delay the next ``count`` volume/snapshot creates on every node."""
    for node in range(len(sim.addresses)):
        for path in _CREATE_PATHS:
            sim.set_fault(node, 'slow', count=count, path=path,
                          delay_ms=_CREATE_DELAY_MS)
    return count * len(sim.addresses) * len(_CREATE_PATHS)


def _wait_taken(sim, total, taken):
    def probe():
        left = sum(f.get('count', 0) for faults in sim.faults().values()
                   for f in faults)
        if total - left < taken:
            raise exception.NotReady('%d of %d held' % (total - left, taken))
        return total - left
    return waiters.wait_for(probe, timeout=60, interval=0.05,
                            max_interval=0.5, what='creates to be held')


def _clean_up_leftovers(svc, records, connectors):
    """Delete what the cleanup left behind, as an operator would.

    Cinder saves an attachment's connector after the driver granted the
    host access: an attachment the dead service left without one is
    force-detached with the host's connector (``connectors`` by attachment
    id: what Nova knows of its instance's host), anything else detached.
    """
    futures = []
    for volume in records['volumes']:
        for attachment in volume['attachments']:
            if attachment['attach_status'] == 'attached':
                continue
            if attachment['nqn']:
                futures.append(svc.submit(
                    'detach', volume_id=volume['id'],
                    attachment_id=attachment['id']))
            else:
                futures.append(svc.submit(
                    'force_detach', volume_id=volume['id'],
                    attachment_id=attachment['id'],
                    connector=connectors[attachment['id']]))
    waits.settle(futures)
    futures = [svc.submit('delete_snapshot', id=s['id'])
               for s in records['snapshots'] if s['status'] in _LEFTOVER]
    waits.settle(futures)
    futures = [svc.submit('delete_volume', id=v['id'])
               for v in records['volumes'] if v['status'] in _LEFTOVER]
    waits.settle(futures)


def _wait_cleaned(svc):
    """Wait for the cast cleanup to finish its work; Cinder's records."""
    def probe():
        workers = svc.call('records')['workers']
        if workers:
            raise exception.NotReady(workers)
    waiters.wait_for(probe, timeout=120, interval=0.2, max_interval=2,
                     what='the workers cleanup to finish')
    # Read again: the probe's volumes may predate its workers.
    return svc.call('records')


def test_sigkill_one_service_under_load(services, sim, report):
    a, b = services
    shared = _new_id()
    assert a.call('create_volume', id=shared, size=1) == 'available'
    dead_creates = [_new_id() for _ in range(4)]
    dead_snaps = [_new_id() for _ in range(2)]
    total = _hold_creates(sim, len(dead_creates) + len(dead_snaps))
    load = [a.submit('create_volume', id=vol, size=1)
            for vol in dead_creates]
    load += [a.submit('create_snapshot', id=snap, volume_id=shared)
             for snap in dead_snaps]
    connectors = {_new_id(): cinder_objects.connector(index)
                  for index in range(3)}
    load += [a.submit('attach', volume_id=shared, connector=connector,
                      attachment_id=attachment_id)
             for attachment_id, connector in connectors.items()]
    _wait_taken(sim, total, len(dead_creates) + len(dead_snaps))
    a.kill()
    # The held creates and snapshots cannot have finished.
    killed = waits.settle(load)
    assert killed['failed'] >= len(dead_creates) + len(dead_snaps), killed

    # The survivor serves new requests at once, on the same volume too.
    new = [_new_id() for _ in range(3)]
    survivor = [b.submit('create_volume', id=vol, size=1) for vol in new]
    survivor.append(b.submit('attach', volume_id=shared,
                             connector=cinder_objects.connector(10)))
    survivor.append(b.submit('create_snapshot', id=_new_id(),
                             volume_id=shared))
    started = time.monotonic()
    assert waits.settle(survivor) == {'ok': len(survivor), 'failed': 0}
    # An access lock the dead service held frees when its etcd lease ends.
    survivor_seconds = round(time.monotonic() - started, 1)

    # The dead service's held creates are carried out after it died (some
    # may have been sent twice: the transport hedges a slow request to
    # another node); wait until the simulator answered every request.
    waits.wait_answered(sim)

    dead = waits.wait_reported_down(b, 'node-a@lightos')
    pending = {(w['resource_type'], w['resource_id']): w['status']
               for w in b.call('records')['workers']
               if w['service_id'] == dead['id']}
    assert pending, 'node-a left no work to clean'
    # cinder --os-volume-api-version 3.24 work-cleanup --host node-a@lightos
    answer = b.call('workers_cleanup', host='node-a@lightos')
    assert answer == {'cleaning': ['node-a@lightos'], 'unavailable': []}, (
        answer)
    records = _wait_cleaned(b)
    # Nothing node-a was working on is left in the status of that work.
    now = {('Volume', v['id']): v['status'] for v in records['volumes']}
    now.update({('Snapshot', s['id']): s['status']
                for s in records['snapshots']})
    assert not [key for key, status in pending.items()
                if now.get(key) == status], (pending, now)
    # Work the dead service had started is in error (or done); a create
    # whose record was written but whose work never started has no workers
    # entry and stays creating, for the operator's reset-state and delete.
    in_flight = {v['id']: v['status'] for v in records['volumes']
                 if v['id'] in dead_creates}
    assert set(in_flight.values()) <= {'error', 'available', 'creating'}, (
        in_flight)
    after_cleanup = checks.outcome(sim, records)
    after_records = records

    _clean_up_leftovers(b, records, connectors)
    records = b.call('records')
    final = checks.outcome(sim, records)
    final['survivor_seconds'] = survivor_seconds
    final['attachments_without_connector'] = len(
        [x for v in after_records['volumes'] for x in v['attachments']
         if not x['nqn']])
    report('SIGKILL of node-a under load: after work-cleanup %s; after '
           'deleting leftovers %s' % (json.dumps(after_cleanup),
                                      json.dumps(final)))
    assert final['leaks'] == 0 and final['stale_acl_entries'] == 0, final
    assert final['lost_updates'] == 0 and final['workers_left'] == 0, final
    assert set(final['states']) <= {'volume available', 'volume in-use',
                                    'snapshot available'}, final
    checks.assert_consistent(sim, records)


def _wait_lock_gone(etcd, name):
    def probe():
        held = [k for k in etcd.keys() if k.endswith(name)]
        if held:
            raise exception.NotReady(held)
    waiters.wait_for(probe, timeout=_RELEASED_WITHIN, interval=0.2,
                     max_interval=2, what='the lock %s to go' % name)


def test_etcd_down_for_a_while(services, sim, etcd, report):
    """Without etcd, operations wait or fail cleanly; none corrupts state.

    etcd stops while node-a's attach holds the volume's access lock: that
    attach completes, and its lock, whose release failed, is released
    once etcd is back (tooz would otherwise keep its lease alive for as
    long as node-a runs, and every later attach or detach of the volume
    would wait for it). Calls that need a lock while etcd is down fail
    before they change anything, saying why.
    """
    a, b = services
    volume_id = _new_id()
    assert a.call('create_volume', id=volume_id, size=1) == 'available'
    kept = b.call('attach', volume_id=volume_id,
                  connector=cinder_objects.connector(1))
    held = hold.start_attach(sim, a, volume_id, host=4)
    etcd.kill()
    try:
        during = [a.submit('attach', volume_id=volume_id,
                           connector=cinder_objects.connector(2)),
                  b.submit('detach', volume_id=volume_id,
                           attachment_id=kept['attachment_id']),
                  a.submit('create_volume', id=_new_id(), size=1),
                  b.submit('create_snapshot', id=_new_id(),
                           volume_id=volume_id)]
        errors = []
        outcome = waits.settle(during, errors)
        attached = hold.finish(sim, held)
    finally:
        etcd.start()
    records = a.call('records')
    report('etcd down: %s; %s; errors: %s' % (
        json.dumps(outcome), json.dumps(checks.outcome(sim, records)),
        errors))
    assert errors and all('coordination backend' in e for e in errors), (
        errors)
    checks.assert_consistent(sim, records)
    started = time.monotonic()
    _wait_lock_gone(etcd, hold.access_lock(volume_id))
    report('etcd down: the lock whose release failed was released %.1f s '
           'after etcd came back' % (time.monotonic() - started))
    # With etcd back, the same operations work again.
    again = a.call('attach', volume_id=volume_id,
                   connector=cinder_objects.connector(3))
    for attachment in (again, attached):
        b.call('detach', volume_id=volume_id,
               attachment_id=attachment['attachment_id'])
    checks.assert_consistent(sim, b.call('records'))
