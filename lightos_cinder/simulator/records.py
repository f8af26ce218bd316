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


@dataclasses.dataclass
class Volume:
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
    protection_state: str = 'Unknown'
    etag: str = dataclasses.field(default_factory=new_etag)
    sector_size: int = 4096
    source_snapshot_uuid: str = ''
    source_snapshot_name: str = ''
    qos_policy_uuid: str = ''
    qos_policy_name: str = ''
    labels: list = dataclasses.field(default_factory=list)
    creation_time: str = ''
    generation: int = 0

    def to_json(self):
        return wire.omit_zero({
            'state': self.state,
            'protectionState': (None if self.protection_state == 'Unknown'
                                else self.protection_state),
            'replicaCount': self.replica_count,
            'nodeList': list(self.node_list),
            'UUID': self.uuid,
            'nsid': self.nsid,
            'acl': {'values': list(self.acl)},
            'compression': 'true' if self.compression else 'false',
            'size': wire.u64(self.size),
            'name': self.name,
            'statistics': {},
            'IPAcl': {'values': list(self.ip_acl)},
            'ETag': self.etag,
            'sectorSize': self.sector_size,
            'projectName': self.project,
            'sourceSnapshotUUID': self.source_snapshot_uuid,
            'sourceSnapshotName': self.source_snapshot_name,
            'qosPolicyUUID': self.qos_policy_uuid,
            'qosPolicyName': self.qos_policy_name,
            'primaryNodeUUID': self.node_list[0] if self.node_list else None,
            'creationTime': self.creation_time,
            'labels': [dict(label) for label in self.labels],
        })


@dataclasses.dataclass
class Snapshot:
    uuid: str
    name: str
    project: str
    size: int
    source_volume_uuid: str
    source_volume_name: str
    replica_count: int
    compression: bool
    acl: list
    ip_acl: list
    node_list: list
    nsid: int
    description: str = ''
    state: str = 'Creating'
    etag: str = dataclasses.field(default_factory=new_etag)
    sector_size: int = 4096
    creation_time: str = ''
    retention_time: str = ''
    generation: int = 0

    def to_json(self):
        return wire.omit_zero({
            'state': self.state,
            'UUID': self.uuid,
            'name': self.name,
            'description': self.description,
            'creationTime': self.creation_time,
            'retentionTime': self.retention_time,
            'sourceVolumeUUID': self.source_volume_uuid,
            'sourceVolumeName': self.source_volume_name,
            'replicaCount': self.replica_count,
            'nodeList': list(self.node_list),
            'nsid': self.nsid,
            'acl': {'values': list(self.acl)},
            'compression': self.compression,
            'size': wire.u64(self.size),
            'IPAcl': {'values': list(self.ip_acl)},
            'sectorSize': self.sector_size,
            'statistics': {},
            'ETag': self.etag,
            'projectName': self.project,
            'primaryNodeUUID': self.node_list[0] if self.node_list else None,
        })


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


def volume_from_dict(data):
    return Volume(**data)


def snapshot_from_dict(data):
    return Snapshot(**data)


def as_dict(record):
    """Persistable form of a record (dataclass fields, no nested dicts)."""
    return dataclasses.asdict(record)
