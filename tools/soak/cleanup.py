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

"""The end of a soak: an operator deletes everything, then leaks count."""

import plan
import views

ROUNDS = 5
# Snapshot states an admin resets before deleting (for volumes see
# plan.STUCK_VOLUME): nothing works on them once cinder-volume answers.
_STUCK_SNAPSHOT = ('creating', 'deleting', 'error_deleting', 'restoring',
                   'unmanaging', 'backing-up')


class Cleanup:
    """Deletes, retries and resets states as an operator would."""

    def __init__(self, soak):
        self._soak = soak
        self.removed = []

    def _remove_failed(self):
        """Failed records the driver named for the operator are removed.

        The API refuses to delete a Failed volume or snapshot; the driver
        then logs an ERROR naming it and asking to remove it on the cluster,
        which the operator does. A Failed record no log line names is left
        (and counted as a leak).
        """
        with open(self._soak.cinder_log) as handle:
            told = [line for line in handle
                    if 'remove it on the cluster' in line]
        state = self._soak.sim.state()
        for kind, found in zip(('volumes', 'snapshots'),
                               views.cluster_records(state)):
            for (project, name), record in sorted(found.items()):
                if record['state'] != 'Failed':
                    continue
                if not any(record['UUID'] in line for line in told):
                    continue
                self._soak.sim.remove_failed(kind, project, record['UUID'])
                self.removed.append('%s (project %s)' % (name, project))

    def _call(self, op, args):
        return self._soak.call(op, args)[0]

    def run(self):
        """Leftovers on the cluster (leaks) and in Cinder, as sentences."""
        soak = self._soak
        for _ in range(ROUNDS):
            soak.chaos.clear()
            for project, name, type_name in list(soak.planner.unmanaged):
                if self._call('manage', {'project': 'tenant-1',
                                         'name': name,
                                         'type_name': type_name}) == 'ok':
                    soak.planner.unmanaged.remove([project, name, type_name])
            volumes, snapshots = soak.cinder.read()
            if not volumes and not snapshots:
                break
            self._remove_failed()
            self._delete_all(volumes, snapshots)
        self._remove_failed()
        volumes, snapshots = soak.cinder.read()
        leaks = views.leftovers(soak.sim.state())
        leaks += ['Cinder still has volume %s (%s)' % (v.id, v.status)
                  for v in volumes.values()]
        leaks += ['Cinder still has snapshot %s (%s)' % (s.id, s.status)
                  for s in snapshots.values()]
        return leaks

    def _delete_all(self, volumes, snapshots):
        for volume in volumes.values():
            for attachment in volume.attachments:
                self._call('detach', {'attachment_id': attachment.id})
        for snapshot in snapshots.values():
            if snapshot.status in _STUCK_SNAPSHOT:
                self._call('reset_snapshot', {'snapshot_id': snapshot.id,
                                              'status': 'error'})
        volumes, snapshots = self._soak.cinder.read()
        for volume in volumes.values():
            if volume.status in plan.STUCK_VOLUME:
                self._call('reset_volume', {'volume_id': volume.id,
                                            'status': 'error'})
        # Volumes made from a snapshot can need their source gone first
        # (and the reverse): one pass per round, more rounds follow.
        for volume in sorted(volumes.values(), key=lambda v: v.id):
            self._call('delete', {'volume_id': volume.id, 'cascade': True})
