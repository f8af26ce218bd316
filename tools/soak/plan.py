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

"""What the soak's users and operators ask of Cinder, chosen at random."""

import uuid

# Two LightOS projects, three volume types in each; the Cinder tenants use
# any of them. ``multi`` volumes take several attachments, ``qos`` differs
# from ``single`` only in its QoS policy (an in-place retype).
LIGHTOS_PROJECTS = ('soak-a', 'soak-b')
TENANTS = ('tenant-1', 'tenant-2')
MAX_SIZE = 4
# At most this many volumes and as many snapshots at a time: within
# Cinder's default quotas of each tenant (10), and enough to interact.
POPULATION = 10
_MAKES_VOLUME = ('create', 'from_snapshot', 'clone', 'clone_cross',
                 'manage')


def volume_types(qos_policy):
    """{type name: extra specs}; ``qos_policy`` is a policy UUID."""
    types = {}
    for project in LIGHTOS_PROJECTS:
        # One backend name: Cinder accepts a clone of another type only
        # when both name the same backend.
        base = {'lightos:project_name': project,
                'volume_backend_name': 'lightos'}
        types['%s-multi' % project] = dict(
            base, **{'lightos:num_replicas': '2', 'multiattach': '<is> True'})
        types['%s-single' % project] = dict(
            base, **{'lightos:num_replicas': '1'})
        types['%s-qos' % project] = dict(
            base, **{'lightos:num_replicas': '1',
                     'lightos:qos_policy': qos_policy})
    return types


class Host:
    """A compute host as os-brick describes it to Cinder."""

    def __init__(self, index):
        self.name = 'compute-%d' % index
        self.ip = '10.0.%d.%d' % (index // 250, index % 250 + 1)
        self.nqn = ('nqn.2014-08.org.nvmexpress:uuid:00000000-0000-4000-'
                    '8000-%012d' % index)

    def connector(self):
        return {'platform': 'x86_64', 'os_type': 'linux', 'multipath': False,
                'host': self.name, 'ip': self.ip, 'host_ips': [self.ip],
                'nqn': self.nqn, 'found_dsc': 'found',
                'do_local_attach': False}


HOSTS = tuple(Host(index) for index in range(1, 5))

# Relative weights of the operation kinds.
WEIGHTS = {
    'create': 14, 'delete': 7, 'snapshot': 8, 'delete_snapshot': 5,
    'from_snapshot': 5, 'clone': 5, 'clone_cross': 2, 'extend': 5,
    'attach': 12, 'detach': 10, 'unmanage': 3, 'manage': 3, 'revert': 3,
    'retype': 4, 'reset': 2,
}
# Volume states nothing works on any more once cinder-volume answers
# again (a kill can leave them); an admin resets them to error.
STUCK_VOLUME = ('creating', 'deleting', 'extending', 'reverting',
                'retyping', 'attaching', 'detaching', 'reserved',
                'maintenance', 'error_deleting', 'error_extending',
                'error_restoring', 'managing', 'error_managing')


def _types_of(project, types):
    return sorted(name for name in types if name.startswith(project + '-'))


class Planner:
    """Picks the next operation from what Cinder holds now.

    ``unmanaged`` is the operator's list of (LightOS project, name, type)
    of volumes taken out of Cinder, to be managed back later.
    """

    def __init__(self, rng, types):
        self._rng = rng
        self._types = sorted(types)
        self.unmanaged = []

    def next(self, volumes, snapshots):
        """(kind, command) of a feasible operation."""
        for _ in range(10000):
            kind = self._rng.choices(list(WEIGHTS),
                                     weights=list(WEIGHTS.values()))[0]
            if (kind in _MAKES_VOLUME and len(volumes) >= POPULATION or
                    kind == 'snapshot' and len(snapshots) >= POPULATION):
                continue
            command = getattr(self, '_' + kind)(volumes, snapshots)
            if command is not None:
                return kind, command
        raise RuntimeError('no operation is possible on %d volumes and %d '
                           'snapshots' % (len(volumes), len(snapshots)))

    def _pick(self, items):
        return self._rng.choice(sorted(items, key=lambda i: i.id)) \
            if items else None

    def _available(self, volumes):
        return [v for v in volumes.values() if v.status == 'available']

    def _same_project_type(self, project):
        return self._rng.choice(_types_of(project, self._types))

    def _other_project_type(self, project):
        other = [p for p in LIGHTOS_PROJECTS if p != project][0]
        return self._same_project_type(other)

    def _create(self, volumes, snapshots):
        return {'op': 'create', 'args': {
            'project': self._rng.choice(TENANTS),
            'size': self._rng.randint(1, 2),
            'type_name': self._rng.choice(self._types)}}

    def _delete(self, volumes, snapshots):
        volume = self._pick([v for v in volumes.values()
                             if v.status in ('available', 'error') and
                             not v.attachments])
        if volume is None:
            return None
        # Cinder refuses to delete a volume with snapshots unless cascaded.
        has_snapshots = any(s.volume_id == volume.id
                            for s in snapshots.values())
        return {'op': 'delete', 'args': {
            'volume_id': volume.id,
            'cascade': has_snapshots or self._rng.random() < 0.5}}

    def _snapshot(self, volumes, snapshots):
        volume = self._pick([v for v in volumes.values()
                             if v.status in ('available', 'in-use')])
        return volume and {'op': 'snapshot', 'args': {'volume_id': volume.id}}

    def _delete_snapshot(self, volumes, snapshots):
        snapshot = self._pick([s for s in snapshots.values()
                               if s.status in ('available', 'error')])
        return snapshot and {'op': 'delete_snapshot',
                             'args': {'snapshot_id': snapshot.id}}

    def _from_snapshot(self, volumes, snapshots):
        snapshot = self._pick([s for s in snapshots.values()
                               if s.status == 'available'])
        return snapshot and {'op': 'from_snapshot', 'args': {
            'project': self._rng.choice(TENANTS), 'snapshot_id': snapshot.id,
            'type_name': self._same_project_type(snapshot.lightos_project)}}

    def _clone(self, volumes, snapshots, cross=False):
        volume = self._pick([v for v in volumes.values()
                             if v.status in ('available', 'in-use')])
        if volume is None:
            return None
        pick = self._other_project_type if cross else self._same_project_type
        return {'op': 'clone', 'args': {
            'project': volume.project_id, 'volume_id': volume.id,
            'type_name': pick(volume.lightos_project)}}

    def _clone_cross(self, volumes, snapshots):
        return self._clone(volumes, snapshots, cross=True)

    def _extend(self, volumes, snapshots):
        volume = self._pick([v for v in self._available(volumes)
                             if v.size < MAX_SIZE])
        return volume and {'op': 'extend', 'args': {
            'volume_id': volume.id, 'size': volume.size + 1}}

    def _attach(self, volumes, snapshots):
        volume = self._pick([v for v in volumes.values()
                             if v.status == 'available' or (
                                 v.status == 'in-use' and v.multiattach)])
        if volume is None:
            return None
        hosts = list(HOSTS)
        attached = sorted({a.connector['host'] for a in volume.attachments
                           if a.connector})
        if attached and self._rng.random() < 0.5:
            # Same-host multi-attach: a second instance on that host.
            hosts = [h for h in HOSTS if h.name in attached]
        host = self._rng.choice(hosts)
        return {'op': 'attach', 'args': {
            'volume_id': volume.id,
            'instance': str(uuid.UUID(int=self._rng.getrandbits(128))),
            'connector': host.connector()}}

    def _detach(self, volumes, snapshots):
        attachments = [a for v in volumes.values() for a in v.attachments
                       if a.status == 'attached']
        attachment = self._pick(attachments)
        return attachment and {'op': 'detach',
                               'args': {'attachment_id': attachment.id}}

    def _unmanage(self, volumes, snapshots):
        with_snapshots = {s.volume_id for s in snapshots.values()}
        volume = self._pick([v for v in self._available(volumes)
                             if v.id not in with_snapshots])
        return volume and {'op': 'unmanage', 'args': {'volume_id': volume.id},
                           'pool': [volume.lightos_project,
                                    volume.cluster_name, volume.type_name]}

    def _manage(self, volumes, snapshots):
        if not self.unmanaged:
            return None
        project, name, type_name = self._rng.choice(self.unmanaged)
        return {'op': 'manage', 'args': {
            'project': self._rng.choice(TENANTS), 'name': name,
            'type_name': type_name}, 'pool': [project, name, type_name]}

    def _revert(self, volumes, snapshots):
        latest = {}
        for snapshot in sorted(snapshots.values(),
                               key=lambda s: (s.created_at, s.id)):
            latest[snapshot.volume_id] = snapshot
        pairs = [(volumes[vid], snap) for vid, snap in sorted(latest.items())
                 if vid in volumes and volumes[vid].status == 'available' and
                 snap.status == 'available' and
                 snap.size == volumes[vid].size]
        if not pairs:
            return None
        volume, snapshot = self._rng.choice(pairs)
        return {'op': 'revert', 'args': {'volume_id': volume.id,
                                         'snapshot_id': snapshot.id}}

    def _retype(self, volumes, snapshots):
        volume = self._pick(self._available(volumes))
        if volume is None:
            return None
        choices = [t for t in self._types if t != volume.type_name]
        if self._rng.random() < 0.7:
            # Mostly within the project (in place, or refused for another
            # replica count); else into the other one (refused: it needs a
            # migration, which the soak's retype policy does not allow).
            choices = [t for t in _types_of(volume.lightos_project,
                                            self._types)
                       if t != volume.type_name]
        return {'op': 'retype', 'args': {
            'volume_id': volume.id, 'type_name': self._rng.choice(choices)}}

    def _reset(self, volumes, snapshots):
        volume = self._pick([v for v in volumes.values()
                             if v.status in STUCK_VOLUME])
        return volume and {'op': 'reset_volume', 'args': {
            'volume_id': volume.id, 'status': 'error'}}
