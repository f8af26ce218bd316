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

"""Cinder's view (its database) and the cluster's (raw records), compared.

Neither side is read through the driver: Cinder's rows come from its
sqlite file, the cluster's records from the simulator's admin API.
"""

import collections
import dataclasses
import json
import sqlite3

GIB = 1024 ** 3
ALLOW_ANY = 'ALLOW_ANY'
ALLOW_NONE = 'ALLOW_NONE'
# Attachments that hold (or are about to hold) a host's access.
_LIVE_ATTACHMENT = ('attaching', 'attached', 'reserved', 'detaching')


@dataclasses.dataclass
class Volume:
    id: str
    name_id: str
    status: str
    size: int
    project_id: str
    type_name: str
    lightos_project: str
    multiattach: bool
    attachments: list = dataclasses.field(default_factory=list)

    @property
    def cluster_name(self):
        return 'volume-%s' % self.name_id


@dataclasses.dataclass
class Snapshot:
    id: str
    volume_id: str
    status: str
    size: int
    lightos_project: str
    created_at: str

    @property
    def cluster_name(self):
        return 'snapshot-%s' % self.id


@dataclasses.dataclass
class Attachment:
    id: str
    volume_id: str
    status: str
    connector: dict
    instance: str


class CinderView:
    """Volumes, snapshots and attachments Cinder has, from its database."""

    def __init__(self, database):
        self._database = database

    def read(self):
        conn = sqlite3.connect(self._database, timeout=60)
        try:
            return self._read(conn)
        finally:
            conn.close()

    @staticmethod
    def _read(conn):
        types = {}
        for type_id, name in conn.execute(
                'SELECT id, name FROM volume_types'):
            types[type_id] = (name, 'default')
        for type_id, value in conn.execute(
                "SELECT volume_type_id, value FROM volume_type_extra_specs "
                "WHERE deleted = 0 AND key = 'lightos:project_name'"):
            types[type_id] = (types[type_id][0], value)
        volumes = {}
        for row in conn.execute(
                'SELECT id, _name_id, status, size, project_id, '
                'volume_type_id, multiattach FROM volumes WHERE deleted = 0'):
            name, project = types.get(row[5], ('?', 'default'))
            volumes[row[0]] = Volume(
                id=row[0], name_id=row[1] or row[0], status=row[2],
                size=row[3], project_id=row[4], type_name=name,
                lightos_project=project, multiattach=bool(row[6]))
        for row in conn.execute(
                'SELECT id, volume_id, attach_status, connector, '
                'instance_uuid FROM volume_attachment WHERE deleted = 0'):
            if row[1] in volumes:
                volumes[row[1]].attachments.append(Attachment(
                    id=row[0], volume_id=row[1], status=row[2],
                    connector=json.loads(row[3]) if row[3] else None,
                    instance=row[4]))
        snapshots = {}
        for row in conn.execute(
                'SELECT id, volume_id, status, volume_size, created_at '
                'FROM snapshots WHERE deleted = 0'):
            volume = volumes.get(row[1])
            snapshots[row[0]] = Snapshot(
                id=row[0], volume_id=row[1], status=row[2], size=row[3],
                lightos_project=volume.lightos_project if volume else '?',
                created_at=row[4])
        return volumes, snapshots


def cluster_records(state):
    """{(project, name): record} for volumes and snapshots separately."""
    volumes, snapshots = {}, {}
    for project, records in state['projects'].items():
        for record in records['volumes']:
            volumes[(project, record['name'])] = record
        for record in records['snapshots']:
            snapshots[(project, record['name'])] = record
    return volumes, snapshots


def _values(record, field):
    return set((record.get(field) or {}).get('values') or ())


def check(volumes, snapshots, state, use_ipacl=True, leaving=()):
    """Violations of the soak's invariants, as sentences.

    ``leaving`` holds the ids of attachments whose detach was asked for:
    Nova disconnects the host before it asks, so when the detach then
    fails or is interrupted the host may already have lost its access.
    """
    found_volumes, found_snapshots = cluster_records(state)
    problems = []
    for volume in volumes.values():
        record = found_volumes.get((volume.lightos_project,
                                    volume.cluster_name))
        if volume.status in ('available', 'in-use'):
            if record is None:
                problems.append('volume %s is %s in Cinder but %s is not on '
                                'the cluster (project %s)' % (
                                    volume.id, volume.status,
                                    volume.cluster_name,
                                    volume.lightos_project))
                continue
            if record['state'] != 'Available':
                problems.append('volume %s is %s in Cinder but %s on the '
                                'cluster' % (volume.id, volume.status,
                                             record['state']))
            if int(record['size']) != volume.size * GIB:
                problems.append('volume %s has %d GiB in Cinder, %s bytes '
                                'on the cluster' % (volume.id, volume.size,
                                                    record['size']))
        if record is not None:
            problems += _access_problems(volume, record, use_ipacl,
                                         leaving)
    for snapshot in snapshots.values():
        if snapshot.status != 'available':
            continue
        record = found_snapshots.get((snapshot.lightos_project,
                                      snapshot.cluster_name))
        if record is None:
            problems.append('snapshot %s is available in Cinder but %s is '
                            'not on the cluster' % (snapshot.id,
                                                    snapshot.cluster_name))
        elif record['state'] != 'Available':
            problems.append('snapshot %s is available in Cinder but %s on '
                            'the cluster' % (snapshot.id, record['state']))
    return problems


def _access_problems(volume, record, use_ipacl, leaving=()):
    """A host with access Cinder did not give is a security violation."""
    may = collections.defaultdict(set)
    must = collections.defaultdict(set)
    for attachment in volume.attachments:
        connector = attachment.connector or {}
        if attachment.status not in _LIVE_ATTACHMENT or not connector:
            continue
        may['acl'].add(connector.get('nqn'))
        may['ip'].update(connector.get('host_ips') or ())
        if attachment.status == 'attached' and attachment.id not in leaving:
            must['acl'].add(connector.get('nqn'))
            must['ip'].update(connector.get('host_ips') or ())
    held = {'acl': _values(record, 'acl') - {ALLOW_NONE}}
    if use_ipacl:
        ips = _values(record, 'IPAcl') - {ALLOW_NONE}
        held['ip'] = (ips - {ALLOW_ANY}) | (
            {'any address'} if ALLOW_ANY in ips else set())
    problems = []
    for kind, label in (('acl', 'ACL'), ('ip', 'IP-ACL')):
        if kind not in held:
            continue
        for entry in sorted(held[kind] - may[kind]):
            problems.append('STALE ACCESS: %s is in the %s of volume %s (%s) '
                            'but no host Cinder attached has it' % (
                                entry, label, volume.id, volume.cluster_name))
        for entry in sorted(must[kind] - held[kind]):
            problems.append('LOST ACCESS: %s of a host attached to volume %s '
                            'in Cinder is not in its %s' % (
                                entry, volume.id, label))
    return problems


def leftovers(state):
    """Every volume and snapshot the cluster still holds, as sentences."""
    return ['%s %s (project %s, %s)' % (kind, record['name'], project,
                                        record['state'])
            for kind, found in zip(('volume', 'snapshot'),
                                   cluster_records(state))
            for (project, _name), record in sorted(found.items())]
