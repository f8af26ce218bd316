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

"""The simulated cluster: identity, nodes, projects, QoS, capacity."""

import collections
import dataclasses
import itertools
import threading
import uuid as uuidlib

from lightos_cinder.simulator import errors
from lightos_cinder.simulator import records
from lightos_cinder.simulator import volumes
from lightos_cinder.simulator import wire

DEFAULT_PROJECT = 'default'
SYSTEM_SCOPE = 'system'
SUPPORTED_MAX_REPLICAS = 3
NODE_CAPACITY = 4 * 2 ** 40
NODE_STATES = ('Active', 'Activating', 'Inactive', 'Unattached',
               'Attaching', 'Detaching')


@dataclasses.dataclass
class Delays:
    """Seconds each asynchronous transition takes (0: at once)."""

    create: float = 0.0
    update: float = 0.0
    delete: float = 0.0


class Cluster(volumes.VolumeOperations):
    """All state of one simulated cluster, guarded by ``lock``.

    Every public method takes the lock, validates, mutates and returns API
    JSON, or raises errors.ApiError. Delayed transitions run on the
    scheduler thread and take the same lock.
    """

    def __init__(self, node_ips, api_port, *, scheduler, delays=None,
                 etag_mismatch_status=412, deleting_visible_by_name=False,
                 node_capacity=NODE_CAPACITY, on_change=None):
        if etag_mismatch_status not in (400, 412):
            raise ValueError('etag_mismatch_status must be 400 or 412')
        self.lock = threading.RLock()
        self.scheduler = scheduler
        self.delays = delays or Delays()
        self.etag_mismatch_status = etag_mismatch_status
        self.deleting_visible_by_name = deleting_visible_by_name
        self.node_capacity = node_capacity
        self.on_change = on_change
        # A dataplane.DataStore when volumes keep data (set after start-up
        # so that restoring a saved cluster keeps its files).
        self.data_store = None
        self.api_port = api_port
        self.uuid = str(uuidlib.uuid4())
        self.name = 'lightos-simulator'
        self.subsystem_nqn = ('nqn.2016-01.com.lightbitslabs:uuid:%s'
                              % self.uuid)
        self.etag = records.new_etag()
        self.compression_ratio = 1.0
        self.nodes = [
            records.Node(uuid=str(uuidlib.uuid4()),
                         name='server%02d-0' % index,
                         hostname='server%02d' % index, ip=ip,
                         server_uuid=str(uuidlib.uuid4()))
            for index, ip in enumerate(node_ips)]
        self._pinned_credentials = {}
        self._epoch = 0
        self.reset()

    # -- lifecycle -------------------------------------------------------

    def reset(self):
        """Drop every project, volume, snapshot, policy and credential."""
        with self.lock:
            self._epoch += 1
            self.scheduler.clear()
            if self.data_store is not None:
                self.data_store.reset()
            self.projects = {}
            self._add_project(DEFAULT_PROJECT, 'the default project')
            self.policies = {}
            self.credentials = dict(self._pinned_credentials)
            self._fail_next = collections.Counter()
            self._nsids = itertools.count(1)
            self._placement = itertools.count()
            for node in self.nodes:
                node.state = 'Active'
                node.etag = records.new_etag()
            self._changed()

    def _changed(self):
        if self.on_change is not None:
            self.on_change()

    def _later(self, delay, record, func):
        """Run ``func`` after ``delay`` unless ``record`` changed meanwhile.

        Every transition bumps ``record.generation``, so a pending timer of
        an older transition (or of a cluster that was reset) does nothing.
        A delay of 0 completes the transition before the request returns.
        """
        record.generation += 1
        generation, epoch = record.generation, self._epoch

        def run():
            with self.lock:
                if (record.generation != generation or
                        self._epoch != epoch):
                    return
                func()
                self._changed()

        if delay <= 0:
            run()
        else:
            self.scheduler.call_later(delay, run)

    # -- identity, nodes, capacity ---------------------------------------

    def active_nodes(self):
        return [node for node in self.nodes if node.state == 'Active']

    def current_max_replicas(self):
        return min(SUPPORTED_MAX_REPLICAS, len(self.active_nodes()))

    def _identity(self):
        return {
            'UUID': self.uuid,
            'subsystemNQN': self.subsystem_nqn,
            'currentMaxReplicas': self.current_max_replicas(),
            'supportedMaxReplicas': SUPPORTED_MAX_REPLICAS,
            'ETag': self.etag,
            'apiEndpoints': ['%s:%d' % (node.ip, self.api_port)
                             for node in self.nodes],
            'discoveryEndpoints': ['%s:8009' % node.ip
                                   for node in self.nodes],
            'nvmeEndpoints': [node.nvme_endpoint for node in self.nodes],
            'clusterName': self.name,
        }

    @staticmethod
    def version():
        return {'apiVersion': 'v2.0'}

    def cluster_info(self):
        with self.lock:
            return wire.omit_zero(self._identity())

    def cluster(self):
        with self.lock:
            body = self._identity()
            body.update({
                'statistics': wire.omit_zero(self._statistics()),
                'health': wire.omit_zero(self._health()),
                'inBandAuthMode': 'Disabled',
            })
            return wire.omit_zero(body)

    def _all_volumes(self):
        for project in self.projects.values():
            yield from project.volumes.values()

    def _statistics(self):
        # No data is ever written, so usage is provisioned capacity: every
        # volume takes size x replicas out of the estimated free space.
        installed = self.node_capacity * len(self.nodes)
        managed = self.node_capacity * len(self.active_nodes())
        effective = managed
        volumes_ = list(self._all_volumes())
        logical = sum(vol.size for vol in volumes_)
        provisioned = sum(vol.size * vol.replica_count for vol in volumes_)
        estimated = int(effective * self.compression_ratio)
        return {
            'installedPhysicalStorage': wire.u64(installed),
            'managedPhysicalStorage': wire.u64(managed),
            'effectivePhysicalStorage': wire.u64(effective),
            'logicalStorage': wire.u64(logical),
            'logicalUsedStorage': None,
            'physicalUsedStorage': None,
            'physicalUsedStorageIncludingParity': None,
            'freePhysicalStorage': wire.u64(managed),
            'estimatedFreeLogicalStorage': wire.u64(
                max(0, estimated - provisioned)),
            'estimatedLogicalStorage': wire.u64(estimated),
            'compressionRatio': self.compression_ratio,
        }

    def _health(self):
        states = collections.Counter(vol.state for vol in self._all_volumes())
        inactive = len(self.nodes) - len(self.active_nodes())
        return {
            'state': 'Warning' if inactive else 'OK',
            'numHealthyVolumes': states['Available'],
            'numNotAvailableVolumes': states['Failed'],
            'numInactiveNodes': inactive,
        }

    def list_nodes(self, query):
        filters = {key: wire.query_first(query, key)
                   for key in ('name', 'UUID', 'failureDomain')}
        filters = {key: value for key, value in filters.items() if value}
        if len(filters) > 1:
            raise errors.bad_request(
                'name, UUID and failureDomain are mutually exclusive')
        with self.lock:
            nodes = [node.to_json() for node in self.nodes]
        for key, value in filters.items():
            field = 'failureDomains' if key == 'failureDomain' else key
            nodes = [node for node in nodes
                     if value == node.get(field) or
                     value in (node.get(field) or ())]
        return {'nodes': nodes}

    def get_node(self, node_uuid):
        if not node_uuid:
            raise errors.bad_request('node UUID must be provided')
        node_uuid = wire.check_uuid(node_uuid)
        with self.lock:
            for node in self.nodes:
                if node.uuid == node_uuid:
                    return node.to_json()
        raise errors.not_found('node %s not found' % node_uuid)

    def set_node_state(self, index, state):
        if state not in NODE_STATES:
            raise ValueError('unknown node state %r' % state)
        with self.lock:
            node = self.nodes[index]
            node.state = state
            node.etag = records.new_etag()
            self._changed()

    # -- projects ---------------------------------------------------------

    def _add_project(self, name, description=''):
        project = records.Project(uuid=str(uuidlib.uuid4()), name=name,
                                  description=description)
        self.projects[name] = project
        return project

    def project(self, name):
        """Return the project record; 404 if it does not exist."""
        project = self.projects.get(name)
        if project is None:
            raise errors.not_found('project %s not found' % name)
        return project

    def create_project(self, body):
        name = wire.check_name(wire.read_string(body, 'name'), 'project name')
        description = wire.read_string(body, 'description') or ''
        with self.lock:
            if name in self.projects or name == SYSTEM_SCOPE:
                raise errors.conflict('project %s already exists' % name)
            project = self._add_project(name, description)
            self._changed()
            return project.to_json()

    def list_projects(self):
        with self.lock:
            return {'projects': [project.to_json() for project in
                                 sorted(self.projects.values(),
                                        key=lambda p: p.name)]}

    def get_project(self, name):
        with self.lock:
            return self.project(name).to_json()

    def delete_project(self, name):
        with self.lock:
            project = self.project(name)
            if name == DEFAULT_PROJECT:
                raise errors.failed_precondition(
                    'the default project cannot be deleted')
            if project.volumes or project.snapshots:
                raise errors.failed_precondition(
                    'project %s still has volumes or snapshots' % name)
            del self.projects[name]
            for key in [key for key in self.credentials if key[0] == name]:
                del self.credentials[key]
            self._changed()
            return {}

    # -- credentials (public keys that verify JWTs) ------------------------

    def add_credential(self, scope, body, pinned=False):
        cred_id = wire.read_string(body, 'ID')
        cred_type = wire.read_string(body, 'type') or 'RS256PubKey'
        payload = wire.read_string(body, 'payload')
        if not cred_id or not payload:
            raise errors.bad_request('ID and payload are mandatory')
        if cred_type != 'RS256PubKey':
            raise errors.bad_request('unsupported credential type %r'
                                     % cred_type)
        with self.lock:
            if scope != SYSTEM_SCOPE and not pinned:
                self.project(scope)
            key = (scope, cred_id)
            if key in self.credentials and not pinned:
                raise errors.conflict('credential %s:%s already exists'
                                      % key)
            cred = records.Credential(id=cred_id, scope=scope,
                                      payload=payload)
            self.credentials[key] = cred
            if pinned:
                self._pinned_credentials[key] = cred
            self._changed()
            return cred.to_json()

    def list_credentials(self, scope):
        with self.lock:
            if scope != SYSTEM_SCOPE:
                self.project(scope)
            return {'credentials': [cred.to_json() for key, cred in
                                    sorted(self.credentials.items())
                                    if key[0] == scope]}

    def get_credential(self, scope, cred_id):
        with self.lock:
            cred = self.credentials.get((scope, cred_id))
            if cred is None:
                raise errors.not_found('credential %s:%s not found'
                                       % (scope, cred_id))
            return cred.to_json()

    def delete_credential(self, scope, cred_id):
        with self.lock:
            if self.credentials.pop((scope, cred_id), None) is None:
                raise errors.not_found('credential %s:%s not found'
                                       % (scope, cred_id))
            self._pinned_credentials.pop((scope, cred_id), None)
            self._changed()
            return {}

    def public_key_pem(self, kid):
        """The PEM public key named by a JWT ``kid`` (scope:name), or None."""
        scope, _, name = (kid or '').partition(':')
        with self.lock:
            cred = self.credentials.get((scope, name))
            return cred.payload if cred is not None else None

    # -- QoS policies -------------------------------------------------------

    def create_policy(self, body):
        name = wire.check_name(wire.read_string(body, 'name'), 'policy name')
        limits = body.get('qoSRateLimitPolicy') or {}
        if not isinstance(limits, dict):
            raise errors.bad_request('qoSRateLimitPolicy must be an object')
        with self.lock:
            if any(p.name == name for p in self.policies.values()):
                raise errors.conflict('policy %s already exists' % name)
            policy = records.QosPolicy(
                uuid=str(uuidlib.uuid4()), name=name,
                description=wire.read_string(body, 'description') or '',
                limits=limits)
            self.policies[policy.uuid] = policy
            self._changed()
            return policy.to_json()

    def _policy(self, policy_uuid):
        policy = self.policies.get(wire.check_uuid(policy_uuid, 'policy UUID'))
        if policy is None:
            raise errors.not_found('policy %s not found' % policy_uuid)
        return policy

    def list_policies(self):
        with self.lock:
            return {'policies': [p.to_json() for p in sorted(
                self.policies.values(), key=lambda p: p.name)]}

    def get_policy(self, policy_uuid):
        with self.lock:
            return self._policy(policy_uuid).to_json()

    def update_policy(self, policy_uuid, body):
        with self.lock:
            policy = self._policy(policy_uuid)
            if 'description' in body:
                policy.description = wire.read_string(body,
                                                      'description') or ''
            limits = body.get('qoSRateLimitPolicy')
            if limits is not None:
                if not isinstance(limits, dict):
                    raise errors.bad_request(
                        'qoSRateLimitPolicy must be an object')
                policy.limits = limits
            policy.etag = records.new_etag()
            self._changed()
            return policy.to_json()

    def delete_policy(self, policy_uuid):
        with self.lock:
            policy = self._policy(policy_uuid)
            if any(vol.qos_policy_uuid == policy.uuid
                   for vol in self._all_volumes()):
                raise errors.failed_precondition(
                    'policy %s is used by volumes' % policy.name)
            del self.policies[policy.uuid]
            self._changed()
            return {}

    def resolve_policy(self, policy_uuid, policy_name):
        """Return the policy a volume request names, or None (no policy)."""
        if policy_uuid and policy_name:
            raise errors.bad_request(
                'qosPolicyUUID and qosPolicyName are mutually exclusive')
        if policy_uuid:
            try:
                return self._policy(policy_uuid)
            except errors.ApiError:
                raise errors.bad_request('unknown QoS policy %s'
                                         % policy_uuid)
        if policy_name:
            for policy in self.policies.values():
                if policy.name == policy_name:
                    return policy
            raise errors.bad_request('unknown QoS policy %s' % policy_name)
        return None

    # -- simulator controls -------------------------------------------------

    def fail_next_create(self, kind):
        if kind not in ('volume', 'snapshot'):
            raise ValueError('kind must be "volume" or "snapshot"')
        with self.lock:
            self._fail_next[kind] += 1

    def _take_failure(self, kind):
        if self._fail_next[kind] > 0:
            self._fail_next[kind] -= 1
            return True
        return False

    def state(self):
        """Everything, as the API would return it (Deleting included)."""
        with self.lock:
            return {
                'projects': {
                    name: {
                        'volumes': [vol.to_json() for vol in sorted(
                            project.volumes.values(), key=lambda v: v.uuid)],
                        'snapshots': [snap.to_json() for snap in sorted(
                            project.snapshots.values(),
                            key=lambda s: s.uuid)],
                    } for name, project in sorted(self.projects.items())},
                'nodes': [node.to_json() for node in self.nodes],
                'qos_policies': self.list_policies()['policies'],
            }

    def restore(self, *, cluster_uuid, etag, node_states, projects, policies,
                credentials):
        """Replace the state with saved records (see persistence.load)."""
        with self.lock:
            self.reset()
            self.uuid = cluster_uuid
            self.subsystem_nqn = ('nqn.2016-01.com.lightbitslabs:uuid:%s'
                                  % self.uuid)
            self.etag = etag or records.new_etag()
            for node, saved in zip(self.nodes, node_states):
                node.uuid = saved['uuid']
                node.server_uuid = saved['server_uuid']
                node.state = saved['state']
            self.projects = {project.name: project for project in projects}
            if DEFAULT_PROJECT not in self.projects:
                self._add_project(DEFAULT_PROJECT, 'the default project')
            nsids = [rec.nsid for project in projects
                     for rec in itertools.chain(project.volumes.values(),
                                                project.snapshots.values())]
            self._nsids = itertools.count(max(nsids, default=0) + 1)
            self.policies = {policy.uuid: policy for policy in policies}
            for cred in credentials:
                self.credentials.setdefault((cred.scope, cred.id), cred)
