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

"""Immutable records of LightOS API objects, parsed from JSON."""

import dataclasses
import enum
import re

# LightOS name rules for projects, volumes and snapshots.
# \Z, not $: $ also matches before a trailing newline.
NAME_PATTERN = re.compile(r'^[A-Za-z0-9._-]{1,253}\Z')

ALLOW_ANY = 'ALLOW_ANY'
ALLOW_NONE = 'ALLOW_NONE'

# Capacity is allocated in 4 KiB units; requested sizes are rounded up.
SIZE_GRANULARITY = 4096


class _StateEnum(str, enum.Enum):
    @classmethod
    def parse(cls, value):
        # The API omits zero-valued enums, so absent means Unknown.
        try:
            return cls(value or 'Unknown')
        except ValueError:
            return cls('Unknown')


class VolumeState(_StateEnum):
    UNKNOWN = 'Unknown'
    CREATING = 'Creating'
    AVAILABLE = 'Available'
    DELETING = 'Deleting'
    DELETED = 'Deleted'
    FAILED = 'Failed'
    UPDATING = 'Updating'
    ROLLBACK = 'Rollback'
    MIGRATING = 'Migrating'


class SnapshotState(_StateEnum):
    UNKNOWN = 'Unknown'
    CREATING = 'Creating'
    AVAILABLE = 'Available'
    DELETING = 'Deleting'
    DELETED = 'Deleted'
    FAILED = 'Failed'


class ProtectionState(_StateEnum):
    UNKNOWN = 'Unknown'
    FULLY_PROTECTED = 'FullyProtected'
    DEGRADED = 'Degraded'
    READ_ONLY = 'ReadOnly'
    NOT_AVAILABLE = 'NotAvailable'


class NodeState(_StateEnum):
    UNKNOWN = 'Unknown'
    ACTIVE = 'Active'
    ACTIVATING = 'Activating'
    INACTIVE = 'Inactive'
    UNATTACHED = 'Unattached'
    ATTACHING = 'Attaching'
    DETACHING = 'Detaching'


def _int(value, default=0):
    """Parse a 64-bit integer, which the API encodes as a JSON string."""
    if value is None or value == '':
        return default
    return int(value)


def _float(value, default=0.0):
    if value is None or value == '':
        return default
    return float(value)


def _bool(value):
    """Parse a boolean that volumes report as a string, snapshots as bool."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ('true', 'enable', 'enabled')


def _values(container):
    """Return the ``values`` list of an ACL or IP-ACL object as a tuple."""
    if not container:
        return ()
    return tuple(container.get('values') or ())


def format_size(size_bytes):
    """Return the request spelling of a size in bytes.

    Sizes are sent as strings with an explicit unit; bytes with the ``b``
    suffix avoid any ambiguity between SI and IEC units.
    """
    if size_bytes <= 0:
        raise ValueError('size must be positive, got %r' % size_bytes)
    return '%db' % size_bytes


def split_host_port(endpoint):
    """Split ``ip:port`` or ``[ipv6]:port`` into (host, port or None)."""
    if not endpoint:
        return '', None
    if endpoint.startswith('['):
        host, _, rest = endpoint[1:].partition(']')
        port = rest[1:] if rest.startswith(':') else ''
        return host, int(port) if port else None
    if endpoint.count(':') == 1:
        host, port = endpoint.split(':')
        return host, int(port) if port else None
    return endpoint, None


@dataclasses.dataclass(frozen=True)
class Volume:
    uuid: str
    name: str
    project: str
    size: int
    state: VolumeState
    replica_count: int
    compression: bool
    acl: tuple
    ip_acl: tuple
    etag: str
    protection_state: ProtectionState = ProtectionState.UNKNOWN
    nsid: int = 0
    node_uuids: tuple = ()
    connected_hosts: tuple = ()
    source_snapshot_uuid: str = ''
    source_snapshot_name: str = ''
    qos_policy_uuid: str = ''
    qos_policy_name: str = ''
    sector_size: int = 4096
    logical_used: int = 0
    physical_used: int = 0

    @classmethod
    def from_json(cls, data):
        stats = data.get('statistics') or {}
        return cls(
            uuid=data.get('UUID', ''),
            name=data.get('name', ''),
            project=data.get('projectName', ''),
            size=_int(data.get('size')),
            state=VolumeState.parse(data.get('state')),
            replica_count=_int(data.get('replicaCount')),
            compression=_bool(data.get('compression', False)),
            acl=_values(data.get('acl')),
            ip_acl=_values(data.get('IPAcl')),
            etag=data.get('ETag', ''),
            protection_state=ProtectionState.parse(
                data.get('protectionState')),
            nsid=_int(data.get('nsid')),
            node_uuids=tuple(data.get('nodeList') or ()),
            connected_hosts=tuple(data.get('connectedHosts') or ()),
            source_snapshot_uuid=data.get('sourceSnapshotUUID', ''),
            source_snapshot_name=data.get('sourceSnapshotName', ''),
            qos_policy_uuid=data.get('qosPolicyUUID', ''),
            qos_policy_name=data.get('qosPolicyName', ''),
            sector_size=_int(data.get('sectorSize'), 4096),
            logical_used=_int(stats.get('logicalUsedStorage')),
            physical_used=_int(stats.get('physicalUsedStorage')),
        )


@dataclasses.dataclass(frozen=True)
class Snapshot:
    uuid: str
    name: str
    project: str
    size: int
    state: SnapshotState
    source_volume_uuid: str
    source_volume_name: str
    etag: str
    replica_count: int = 0
    compression: bool = False
    description: str = ''
    creation_time: str = ''

    @classmethod
    def from_json(cls, data):
        return cls(
            uuid=data.get('UUID', ''),
            name=data.get('name', ''),
            project=data.get('projectName', ''),
            size=_int(data.get('size')),
            state=SnapshotState.parse(data.get('state')),
            source_volume_uuid=data.get('sourceVolumeUUID', ''),
            source_volume_name=data.get('sourceVolumeName', ''),
            etag=data.get('ETag', ''),
            replica_count=_int(data.get('replicaCount')),
            compression=_bool(data.get('compression', False)),
            description=data.get('description', ''),
            creation_time=data.get('creationTime', ''),
        )


@dataclasses.dataclass(frozen=True)
class Node:
    uuid: str
    name: str
    state: NodeState
    nvme_endpoint: str
    hostname: str = ''
    failure_domains: tuple = ()

    @property
    def data_ip(self):
        """The host part of ``nvmeEndpoint``: the node's NVMe/TCP address."""
        return split_host_port(self.nvme_endpoint)[0]

    @classmethod
    def from_json(cls, data):
        return cls(
            uuid=data.get('UUID', ''),
            name=data.get('name', ''),
            state=NodeState.parse(data.get('state')),
            nvme_endpoint=data.get('nvmeEndpoint', ''),
            hostname=data.get('hostname', ''),
            failure_domains=tuple(data.get('failureDomains') or ()),
        )


@dataclasses.dataclass(frozen=True)
class ClusterInfo:
    uuid: str
    subsystem_nqn: str
    current_max_replicas: int
    supported_max_replicas: int
    api_endpoints: tuple = ()
    discovery_endpoints: tuple = ()
    nvme_endpoints: tuple = ()
    name: str = ''

    @classmethod
    def from_json(cls, data):
        return cls(
            uuid=data.get('UUID', ''),
            subsystem_nqn=data.get('subsystemNQN', ''),
            current_max_replicas=_int(data.get('currentMaxReplicas')),
            supported_max_replicas=_int(data.get('supportedMaxReplicas')),
            api_endpoints=tuple(data.get('apiEndpoints') or ()),
            discovery_endpoints=tuple(data.get('discoveryEndpoints') or ()),
            nvme_endpoints=tuple(data.get('nvmeEndpoints') or ()),
            name=data.get('clusterName', ''),
        )


@dataclasses.dataclass(frozen=True)
class ClusterStats:
    """Capacity figures of ``GET /cluster``, in bytes."""

    installed_physical: int
    managed_physical: int
    effective_physical: int
    logical: int
    logical_used: int
    physical_used: int
    free_physical: int
    estimated_free_logical: int
    estimated_logical: int
    compression_ratio: float

    @classmethod
    def from_json(cls, data):
        stats = data.get('statistics') or {}
        return cls(
            installed_physical=_int(stats.get('installedPhysicalStorage')),
            managed_physical=_int(stats.get('managedPhysicalStorage')),
            effective_physical=_int(stats.get('effectivePhysicalStorage')),
            logical=_int(stats.get('logicalStorage')),
            logical_used=_int(stats.get('logicalUsedStorage')),
            physical_used=_int(stats.get('physicalUsedStorage')),
            free_physical=_int(stats.get('freePhysicalStorage')),
            estimated_free_logical=_int(
                stats.get('estimatedFreeLogicalStorage')),
            estimated_logical=_int(stats.get('estimatedLogicalStorage')),
            compression_ratio=_float(stats.get('compressionRatio'), 1.0),
        )


@dataclasses.dataclass(frozen=True)
class QosPolicy:
    uuid: str
    name: str
    state: str = ''
    description: str = ''
    limits: dict = dataclasses.field(default_factory=dict, hash=False,
                                     compare=False)

    @classmethod
    def from_json(cls, data):
        return cls(
            uuid=data.get('UUID', ''),
            name=data.get('name', ''),
            state=data.get('state', ''),
            description=data.get('description', ''),
            limits=dict(data.get('qoSRateLimitPolicy') or {}),
        )


@dataclasses.dataclass(frozen=True)
class Project:
    uuid: str
    name: str
    description: str = ''

    @classmethod
    def from_json(cls, data):
        return cls(
            uuid=data.get('UUID', ''),
            name=data.get('name', ''),
            description=data.get('description', ''),
        )
