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

"""Mutable records of the simulated cluster and their API JSON."""

import dataclasses
import secrets

from lightos_cinder.simulator import wire


def new_etag():
    return secrets.token_hex(8)


@dataclasses.dataclass
class Node:
    uuid: str
    name: str
    hostname: str
    ip: str
    server_uuid: str
    state: str = 'Active'
    etag: str = dataclasses.field(default_factory=new_etag)

    @property
    def nvme_endpoint(self):
        return '%s:4420' % self.ip

    def to_json(self):
        return wire.omit_zero({
            'name': self.name,
            'UUID': self.uuid,
            'state': self.state,
            'nvmeEndpoint': self.nvme_endpoint,
            'failureDomains': [self.hostname],
            'hostname': self.hostname,
            'serverUUID': self.server_uuid,
            'ETag': self.etag,
        })


@dataclasses.dataclass(kw_only=True)
class _Namespace:
    """What a volume and a snapshot share: both are NVMe namespaces."""

    uuid: str
    name: str
    project: str
    size: int
    replica_count: int
    compression: bool
    acl: list
    ip_acl: list
    node_list: list
    nsid: int
    state: str = 'Creating'
    etag: str = dataclasses.field(default_factory=new_etag)
    sector_size: int = 4096
    creation_time: str = ''
    generation: int = 0

    def _namespace_json(self):
        return {
            'state': self.state,
            'UUID': self.uuid,
            'name': self.name,
            'creationTime': self.creation_time,
            'replicaCount': self.replica_count,
            'nodeList': list(self.node_list),
            'nsid': self.nsid,
            'acl': {'values': list(self.acl)},
            'size': wire.u64(self.size),
            'IPAcl': {'values': list(self.ip_acl)},
            'sectorSize': self.sector_size,
            'statistics': {},
            'ETag': self.etag,
            'projectName': self.project,
            'primaryNodeUUID': self.node_list[0] if self.node_list else None,
        }


@dataclasses.dataclass(kw_only=True)
class Volume(_Namespace):
    protection_state: str = 'Unknown'
    source_snapshot_uuid: str = ''
    source_snapshot_name: str = ''
    qos_policy_uuid: str = ''
    qos_policy_name: str = ''
    labels: list = dataclasses.field(default_factory=list)

    def to_json(self):
        body = self._namespace_json()
        body.update({
            'protectionState': (None if self.protection_state == 'Unknown'
                                else self.protection_state),
            # A volume reports compression as a string, a snapshot as a
            # boolean: the LightOS API answers so.
            'compression': 'true' if self.compression else 'false',
            'sourceSnapshotUUID': self.source_snapshot_uuid,
            'sourceSnapshotName': self.source_snapshot_name,
            'qosPolicyUUID': self.qos_policy_uuid,
            'qosPolicyName': self.qos_policy_name,
            'labels': [dict(label) for label in self.labels],
        })
        return wire.omit_zero(body)


@dataclasses.dataclass(kw_only=True)
class Snapshot(_Namespace):
    source_volume_uuid: str
    source_volume_name: str
    description: str = ''
    retention_time: str = ''

    def to_json(self):
        body = self._namespace_json()
        body.update({
            'description': self.description,
            'retentionTime': self.retention_time,
            'sourceVolumeUUID': self.source_volume_uuid,
            'sourceVolumeName': self.source_volume_name,
            'compression': self.compression,
        })
        return wire.omit_zero(body)


@dataclasses.dataclass
class QosPolicy:
    uuid: str
    name: str
    description: str = ''
    limits: dict = dataclasses.field(default_factory=dict)
    state: str = 'Active'
    etag: str = dataclasses.field(default_factory=new_etag)

    def to_json(self):
        return wire.omit_zero({
            'UUID': self.uuid,
            'name': self.name,
            'description': self.description,
            'qoSRateLimitPolicy': dict(self.limits),
            'state': self.state,
            'ETag': self.etag,
        })


@dataclasses.dataclass
class Credential:
    id: str
    scope: str
    payload: str
    type: str = 'RS256PubKey'

    def to_json(self):
        return {'ID': self.id, 'type': self.type, 'projectName': self.scope}


@dataclasses.dataclass
class Project:
    uuid: str
    name: str
    description: str = ''
    volumes: dict = dataclasses.field(default_factory=dict)
    snapshots: dict = dataclasses.field(default_factory=dict)

    def to_json(self):
        return wire.omit_zero({'UUID': self.uuid, 'name': self.name,
                               'description': self.description})


def as_dict(record):
    """Persistable form of a record (dataclass fields, no nested dicts)."""
    return dataclasses.asdict(record)
