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

"""Volume and snapshot operations and their state machines."""

import uuid as uuidlib

from lightos_cinder.simulator import errors
from lightos_cinder.simulator import records
from lightos_cinder.simulator import rules
from lightos_cinder.simulator import sizes
from lightos_cinder.simulator import wire

MAX_LIST_LIMIT = 1000
# States in which a volume accepts updates, deletes and snapshots.
_STEADY = ('Available', 'Migrating')
# Temporary states: the API answers 503, come back later.
_BUSY = ('Creating', 'Updating', 'Rollback')
_LABEL_KEYS = ('key', 'value')


def _read_labels(body):
    labels = body.get('labels')
    if labels is None:
        return None
    if not isinstance(labels, list) or not all(
            isinstance(label, dict) and
            all(isinstance(label.get(k, ''), str) for k in _LABEL_KEYS)
            for label in labels):
        raise errors.bad_request('labels must be a list of {key, value}')
    return [{k: label.get(k, '') for k in _LABEL_KEYS} for label in labels]


def _page(records_, query, name_key):
    """Apply the list filters, offsetUUID and limit of a list request."""
    limit = wire.query_uint(query, 'limit') or MAX_LIST_LIMIT
    if limit > MAX_LIST_LIMIT:
        raise errors.bad_request('limit must be at most %d' % MAX_LIST_LIMIT)
    show_all = wire.query_bool(query, 'showAll')
    wanted_uuid = wire.query_first(query, 'UUID')
    wanted_name = wire.query_first(query, name_key)
    offset = wire.query_first(query, 'offsetUUID')
    items = sorted(records_, key=lambda rec: rec.uuid)
    if not show_all:
        items = [rec for rec in items if rec.state != 'Deleting']
    if wanted_uuid:
        items = [rec for rec in items if rec.uuid == wanted_uuid]
    if wanted_name:
        items = [rec for rec in items if rec.name == wanted_name]
    if offset:
        items = [rec for rec in items if rec.uuid > offset]
    return items[:limit]


class VolumeOperations:
    """Volume and snapshot API of ``cluster.Cluster`` (a mixin)."""

    # -- helpers -----------------------------------------------------------

    def _records(self, kind, project_name):
        """The project's volumes or snapshots (``kind``), by UUID."""
        project = self.project(project_name)
        return project.volumes if kind == 'volume' else project.snapshots

    def _record(self, kind, project_name, record_uuid):
        record = self._records(kind, project_name).get(
            self._uuid(record_uuid))
        if record is None:
            raise errors.not_found('%s %s not found in project %s'
                                   % (kind, record_uuid, project_name))
        return record

    def _volume(self, project_name, volume_uuid):
        return self._record('volume', project_name, volume_uuid)

    def _snapshot(self, project_name, snapshot_uuid):
        return self._record('snapshot', project_name, snapshot_uuid)

    def _get(self, kind, project_name, record_uuid, query, name_key):
        """GET of one volume or snapshot: by UUID, else by name."""
        with self.lock:
            if record_uuid:
                return self._record(kind, project_name,
                                    record_uuid).to_json()
            name = wire.query_first(query, name_key)
            if not name:
                raise errors.bad_request(
                    'Either UUID or %s must be provided' % name_key)
            record = self._by_name(
                self._records(kind, project_name).values(), name,
                self.deleting_visible_by_name)
            if record is None:
                raise errors.not_found('%s %s not found in project %s'
                                       % (kind, name, project_name))
            return record.to_json()

    @staticmethod
    def _uuid(value):
        return wire.check_uuid(value)

    @staticmethod
    def _by_name(items, name, deleting_visible):
        live = [rec for rec in items if rec.name == name and
                rec.state != 'Deleting']
        if live:
            return live[0]
        if deleting_visible:
            for rec in items:
                if rec.name == name:
                    return rec
        return None

    def _check_etag(self, record, if_match):
        if if_match and if_match != '*' and if_match != record.etag:
            raise errors.ApiError(self.etag_mismatch_status, 'Etag mismatch',
                                  errors.FAILED_PRECONDITION)

    @staticmethod
    def _check_changeable(vol, action):
        if vol.state in _BUSY:
            raise errors.unavailable(
                'Volume is in a temporary state (%s) that does not allow '
                '%s currently' % (vol.state, action))
        if vol.state not in _STEADY:
            raise errors.failed_precondition(
                'volume state %s does not allow %s' % (vol.state, action))

    def _place(self, replicas):
        nodes = self.active_nodes()
        start = next(self._placement)
        return [nodes[(start + i) % len(nodes)].uuid
                for i in range(replicas)]

    def _data(self, action, *args):
        """Drive the data files when the simulator keeps data."""
        if self.data_store is not None:
            getattr(self.data_store, action)(*args)

    def _check_replicas(self, replicas):
        if replicas is None:
            raise errors.bad_request('replicaCount is mandatory')
        maximum = self.current_max_replicas()
        if not 1 <= replicas <= maximum:
            raise errors.bad_request(
                'replicaCount %d is out of range: this cluster accepts 1 to '
                '%d' % (replicas, maximum))
        return replicas

    # -- volumes -------------------------------------------------------------

    def create_volume(self, project_name, body):
        name = wire.check_name(wire.read_string(body, 'name'), 'volume name')
        size_text = body.get('size')
        size = None if size_text in (None, '') else sizes.parse_size(
            size_text)
        replicas = wire.read_uint(body, 'replicaCount')
        compression = wire.read_compression(body) or False
        acl = wire.read_values(body, 'acl')
        if acl is None:
            raise errors.bad_request(
                'acl is mandatory: use ALLOW_NONE for no host')
        wire.check_acl(acl)
        ip_acl = wire.read_values(body, 'IPAcl')
        ip_acl = ([rules.ALLOW_ANY] if ip_acl is None
                  else wire.check_ip_acl(ip_acl))
        sector_size = wire.read_uint(body, 'sectorSize') or 4096
        if sector_size not in (512, 4096):
            raise errors.bad_request('sectorSize must be 512 or 4096')
        src_uuid = wire.read_string(body, 'sourceSnapshotUUID')
        src_name = wire.read_string(body, 'sourceSnapshotName')
        labels = _read_labels(body) or []
        with self.lock:
            project = self.project(project_name)
            self._check_replicas(replicas)
            policy = self.resolve_policy(
                wire.read_string(body, 'qosPolicyUUID'),
                wire.read_string(body, 'qosPolicyName'))
            source = None
            if src_uuid or src_name:
                source = self._clone_source(project, src_uuid, src_name)
                if size is None:
                    size = source.size
                elif size < source.size:
                    raise errors.bad_request(
                        'size of a clone must be at least the size of its '
                        'snapshot (%d bytes)' % source.size)
            if size is None:
                raise errors.bad_request('size is mandatory')
            if self._by_name(project.volumes.values(), name, False):
                raise errors.conflict(
                    'A volume with the provided name already exists')
            vol = records.Volume(
                uuid=str(uuidlib.uuid4()), name=name, project=project.name,
                size=size, replica_count=replicas, compression=compression,
                acl=acl, ip_acl=ip_acl, node_list=self._place(replicas),
                nsid=next(self._nsids), sector_size=sector_size,
                source_snapshot_uuid=source.uuid if source else '',
                source_snapshot_name=source.name if source else '',
                qos_policy_uuid=policy.uuid if policy else '',
                qos_policy_name=policy.name if policy else '',
                labels=labels)
            self._data('create_volume', vol.uuid, size,
                       source.uuid if source else None)
            project.volumes[vol.uuid] = vol
            answer = vol.to_json()
            failed = self._take_failure('volume')

            def finish():
                if failed:
                    vol.state, vol.protection_state = 'Failed', 'NotAvailable'
                else:
                    vol.state = 'Available'
                    vol.protection_state = 'FullyProtected'
                    vol.creation_time = wire.now_rfc3339()
                vol.etag = records.new_etag()

            self._changed()
            self._later(self.delays.create, vol, finish)
            return answer

    def _clone_source(self, project, src_uuid, src_name):
        if src_uuid:
            snap = project.snapshots.get(self._uuid(src_uuid))
        else:
            snap = self._by_name(project.snapshots.values(), src_name, False)
        if snap is None or snap.state == 'Deleting':
            raise errors.not_found('source snapshot %s not found'
                                   % (src_uuid or src_name))
        if snap.state != 'Available':
            raise errors.failed_precondition(
                'source snapshot %s is %s' % (snap.name, snap.state))
        return snap

    def get_volume(self, project_name, volume_uuid, query):
        return self._get('volume', project_name, volume_uuid, query, 'name')

    def list_volumes(self, project_name, query):
        snapshot_uuid = wire.query_first(query, 'snapshotUUID')
        with self.lock:
            items = self.project(project_name).volumes.values()
            if snapshot_uuid:
                items = [vol for vol in items
                         if vol.source_snapshot_uuid == snapshot_uuid]
            return {'volumes': [vol.to_json() for vol in
                                _page(items, query, 'name')]}

    def update_volume(self, project_name, volume_uuid, body, if_match):
        acl = wire.read_values(body, 'acl')
        if acl is not None:
            wire.check_acl(acl)
        ip_acl = wire.read_values(body, 'IPAcl')
        if ip_acl is not None:
            wire.check_ip_acl(ip_acl)
        size_text = body.get('size')
        size = None if size_text in (None, '') else sizes.parse_size(
            size_text)
        compression = wire.read_compression(body)
        force = wire.read_bool(body, 'Force') or False
        labels = _read_labels(body)
        new_name = wire.read_string(body, 'newName')
        if new_name is not None:
            wire.check_name(new_name, 'newName')
        with self.lock:
            vol = self._volume(project_name, volume_uuid)
            self._check_changeable(vol, 'update')
            self._check_etag(vol, if_match)
            policy = self.resolve_policy(
                wire.read_string(body, 'qosPolicyUUID'),
                wire.read_string(body, 'qosPolicyName'))
            if size is not None and size < vol.size and not force:
                raise errors.bad_request(
                    'shrinking a volume requires Force')
            project = self.project(project_name)
            taken = new_name is not None and new_name != vol.name and (
                self._by_name(project.volumes.values(), new_name, False))
            if taken:
                raise errors.conflict(
                    'A volume with the provided name already exists')
            if size is not None and size != vol.size:
                self._data('resize_volume', vol.uuid, size)
            if acl is not None:
                vol.acl = acl
            if ip_acl is not None:
                vol.ip_acl = ip_acl
            if acl is not None or ip_acl is not None:
                self._data('access_changed', vol.uuid)
            if size is not None:
                vol.size = size
            if compression is not None:
                vol.compression = compression
            if policy is not None:
                vol.qos_policy_uuid, vol.qos_policy_name = (policy.uuid,
                                                            policy.name)
            if labels is not None:
                vol.labels = labels
            if new_name is not None:
                vol.name = new_name
            self._start_update(vol, 'Updating')
            return {}

    def _start_update(self, vol, state):
        vol.state = state
        vol.etag = records.new_etag()

        def finish():
            vol.state = 'Available'
            vol.etag = records.new_etag()

        self._changed()
        self._later(self.delays.update, vol, finish)

    def rollback_volume(self, project_name, volume_uuid, body):
        src_uuid = wire.read_string(body, 'srcSnapshotUUID')
        src_name = wire.read_string(body, 'srcSnapshotName')
        if not src_uuid and not src_name:
            raise errors.bad_request(
                'srcSnapshotUUID or srcSnapshotName is mandatory')
        with self.lock:
            vol = self._volume(project_name, volume_uuid)
            self._check_changeable(vol, 'rollback')
            project = self.project(project_name)
            snap = self._clone_source(project, src_uuid, src_name)
            if snap.source_volume_uuid != vol.uuid:
                raise errors.bad_request(
                    'snapshot %s was not taken of volume %s'
                    % (snap.name, vol.name))
            self._data('rollback_volume', vol.uuid, snap.uuid)
            vol.size = snap.size
            self._start_update(vol, 'Rollback')
            return {}

    def delete_volume(self, project_name, volume_uuid, if_match):
        with self.lock:
            vol = self._volume(project_name, volume_uuid)
            self._check_changeable(vol, 'deletion')
            self._check_etag(vol, if_match)
            project = self.project(project_name)
            self._data('delete_volume', vol.uuid)
            vol.state = 'Deleting'
            vol.etag = records.new_etag()

            def finish():
                project.volumes.pop(vol.uuid, None)

            self._changed()
            self._later(self.delays.delete, vol, finish)
            return {}

    def force_volume_state(self, project_name, volume_uuid, state):
        """Set a volume's (or a snapshot's) state, as the cluster would."""
        with self.lock:
            project = self.project(project_name)
            vol = project.snapshots.get(volume_uuid)
            if vol is None:
                vol = self._volume(project_name, volume_uuid)
            vol.state = state
            vol.etag = records.new_etag()
            vol.generation += 1  # cancels any pending transition
            self._changed()

    def bump_etag(self, project_name, record_uuid):
        """Give a volume or snapshot a new ETag, as a concurrent writer."""
        with self.lock:
            project = self.project(project_name)
            record = (project.volumes.get(record_uuid) or
                      project.snapshots.get(record_uuid))
            if record is None:
                raise KeyError('no volume or snapshot %s in project %s'
                               % (record_uuid, project_name))
            record.etag = records.new_etag()
            self._changed()
            return record.etag

    # -- snapshots -----------------------------------------------------------

    def create_snapshot(self, project_name, body):
        name = wire.check_name(wire.read_string(body, 'name'),
                               'snapshot name')
        src_uuid = wire.read_string(body, 'sourceVolumeUUID')
        src_name = wire.read_string(body, 'sourceVolumeName')
        description = wire.read_string(body, 'description') or ''
        if len(description.encode('utf-8')) > 256:
            raise errors.bad_request('description is longer than 256 bytes')
        retention = wire.read_string(body, 'retentionTime') or ''
        if not src_uuid and not src_name:
            raise errors.bad_request(
                'sourceVolumeUUID or sourceVolumeName is mandatory')
        with self.lock:
            project = self.project(project_name)
            if src_uuid:
                vol = project.volumes.get(self._uuid(src_uuid))
            else:
                vol = self._by_name(project.volumes.values(), src_name,
                                    False)
            if vol is None or vol.state == 'Deleting':
                raise errors.not_found('source volume %s not found'
                                       % (src_uuid or src_name))
            if vol.state not in _STEADY:
                # FailedPrecondition in gRPC: "most likely source volume is
                # being updated" - 400 under the stock gateway mapping.
                raise errors.failed_precondition(
                    'source volume %s is %s' % (vol.name, vol.state))
            if self._by_name(project.snapshots.values(), name, False):
                raise errors.conflict(
                    'A snapshot with the provided name already exists')
            snap = records.Snapshot(
                uuid=str(uuidlib.uuid4()), name=name, project=project.name,
                size=vol.size, source_volume_uuid=vol.uuid,
                source_volume_name=vol.name,
                replica_count=vol.replica_count, compression=vol.compression,
                acl=list(vol.acl), ip_acl=list(vol.ip_acl),
                node_list=list(vol.node_list), nsid=next(self._nsids),
                description=description, sector_size=vol.sector_size,
                retention_time=retention)
            self._data('create_snapshot', snap.uuid, vol.uuid)
            project.snapshots[snap.uuid] = snap
            answer = snap.to_json()
            failed = self._take_failure('snapshot')

            def finish():
                snap.state = 'Failed' if failed else 'Available'
                if not failed:
                    snap.creation_time = wire.now_rfc3339()
                snap.etag = records.new_etag()

            self._changed()
            self._later(self.delays.create, snap, finish)
            return answer

    def get_snapshot(self, project_name, snapshot_uuid, query):
        # The field is "Name" with a capital N (GetSnapshotRequest).
        return self._get('snapshot', project_name, snapshot_uuid, query,
                         'Name')

    def list_snapshots(self, project_name, query):
        source = wire.query_first(query, 'sourceVolumeUUID')
        with self.lock:
            items = self.project(project_name).snapshots.values()
            if source:
                items = [snap for snap in items
                         if snap.source_volume_uuid == source]
            return {'snapshots': [snap.to_json() for snap in
                                  _page(items, query, 'Name')]}

    def delete_snapshot(self, project_name, snapshot_uuid, if_match):
        with self.lock:
            snap = self._snapshot(project_name, snapshot_uuid)
            project = self.project(project_name)
            if snap.state == 'Creating':
                raise errors.unavailable(
                    'Snapshot is in a temporary state (Creating)')
            source = project.volumes.get(snap.source_volume_uuid)
            if source is not None and source.state == 'Updating':
                raise errors.unavailable(
                    'the source volume of the snapshot is Updating')
            if snap.state != 'Available':
                raise errors.failed_precondition(
                    'snapshot state %s does not allow deletion' % snap.state)
            self._check_etag(snap, if_match)
            self._data('delete_snapshot', snap.uuid)
            snap.state = 'Deleting'
            snap.etag = records.new_etag()

            def finish():
                project.snapshots.pop(snap.uuid, None)

            self._changed()
            self._later(self.delays.delete, snap, finish)
            return {}
