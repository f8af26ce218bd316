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

"""What the driver knows about the cluster: identity, nodes and capacity."""

import threading
import time

from cinder import exception as cinder_exception
from oslo_log import log as logging
from oslo_utils import units

from lightos_cinder.api import exception
from lightos_cinder.api import models
from lightos_cinder.volume import specs
from lightos_cinder.volume import translate

LOG = logging.getLogger(__name__)

TRANSPORT_TYPE = 'tcp'


def _node_targets(nodes, port):
    """``lightos_nodes`` of the connection info, keyed by data IP."""
    targets = {}
    for node in sorted(nodes, key=lambda n: (n.data_ip, n.uuid)):
        if not node.data_ip:
            LOG.warning('LightOS node %s (%s) reports no NVMe endpoint; it '
                        'is left out of the attach targets.', node.name,
                        node.uuid)
            continue
        if node.state is not models.NodeState.ACTIVE:
            LOG.warning('LightOS node %(name)s (%(uuid)s) is %(state)s; '
                        'hosts are still told about it so they can use it '
                        'once it is back.', {'name': node.name,
                                             'uuid': node.uuid,
                                             'state': node.state.value})
        targets[node.data_ip] = {'target_portal': node.data_ip,
                                 'target_port': port,
                                 'transport_type': TRANSPORT_TYPE}
    return targets


def _endpoint_targets(endpoints, port):
    targets = {}
    for endpoint in sorted(endpoints):
        ip = models.split_host_port(endpoint)[0]
        if ip:
            targets[ip] = {'target_portal': ip, 'target_port': port,
                           'transport_type': TRANSPORT_TYPE}
    return targets


def _gib(size_bytes):
    return round(size_bytes / units.Gi, 2)


class ClusterStatus(object):
    """Cluster identity, attach targets and capacity, cached.

    Node addresses are read at setup and again when they are older than
    ``lightos_node_refresh_interval`` (or on demand); capacity is read once
    per statistics refresh.
    """

    def __init__(self, conf, client, translator, token_source=None,
                 clock=time.monotonic):
        self._conf = conf
        self._client = client
        self._translator = translator
        self._clock = clock
        self._lock = threading.Lock()
        self.info = None
        self._targets = None
        self._targets_read_at = None
        self._nodes_forbidden = False
        self._stats_forbidden = False
        # The last capacity read, when, and since when reads fail.
        self._capacity = None
        self._capacity_read_at = None
        self._capacity_failing_since = None
        self._capacity_withheld = False
        # Projects with a token of their own (lightos_project_jwt*), and
        # whether other projects have a token (lightos_jwt*) at all.
        self.token_projects = (token_source.projects
                               if token_source is not None else ())
        self.default_token = (token_source is None or
                              token_source.default is not None)

    # Identity

    def setup(self):
        """Read cluster identity and nodes; fail with what to fix."""
        with self._translator.translated('read the cluster information'):
            info = self._client.get_cluster_info()
        if not info.subsystem_nqn:
            raise cinder_exception.VolumeBackendAPIException(
                message='LightOS cluster %s reports no subsystem NQN; hosts '
                        'cannot attach volumes without it. Check the '
                        'cluster health.' % (info.uuid or '(no UUID)'))
        self.info = info
        LOG.info('Connected to LightOS cluster %(uuid)s (%(name)s), '
                 'subsystem NQN %(nqn)s, at most %(max)d replicas.',
                 {'uuid': info.uuid, 'name': info.name or 'unnamed',
                  'nqn': info.subsystem_nqn,
                  'max': info.current_max_replicas})
        replicas = self._conf.lightos_default_num_replicas
        supported = info.supported_max_replicas
        if supported and replicas > supported:
            raise translate.config_error(
                'lightos_default_num_replicas', replicas,
                'LightOS cluster %s supports at most %d replicas; lower the '
                'option to %d or less' % (info.uuid, supported, supported))
        self.targets(refresh=True)
        limit = self.max_replicas
        if replicas > limit.value and not limit.nodes_away:
            # Every node is Active: the cluster is too small, for good.
            raise translate.config_error(
                'lightos_default_num_replicas', replicas,
                'LightOS cluster %s takes at most %d replicas with all its '
                'nodes Active; lower the option to %d or less' % (
                    info.uuid, limit.value, limit.value))
        if replicas > limit.value:
            # A node in maintenance lowers the limit for a while; the
            # service starts and refuses only the creates that need more.
            LOG.warning('LightOS cluster %(uuid)s can place at most %(max)d '
                        'replicas now (%(cause)s); volumes that need '
                        'lightos_default_num_replicas=%(want)d replicas are '
                        'refused until it can place them again.',
                        {'uuid': info.uuid, 'max': limit.value,
                         'cause': limit.cause, 'want': replicas})

    @property
    def subsystem_nqn(self):
        return self.info.subsystem_nqn

    @property
    def max_replicas(self):
        """How many replicas the cluster can place now: a specs.ReplicaLimit.

        Below what the cluster supports (a node in maintenance), the limit
        is read again on every use so that creates take the node back as
        soon as it returns; its ``cause`` then says why it is lower.
        """
        with self._translator.translated('read the cluster information'):
            return self._read_limit()

    def _read_limit(self):
        info = self.info
        if info is None or not info.current_max_replicas:
            return specs.ReplicaLimit(specs.MAX_REPLICAS)
        if info.current_max_replicas >= (info.supported_max_replicas or
                                         specs.MAX_REPLICAS):
            return specs.ReplicaLimit(info.current_max_replicas)
        info = self._client.get_cluster_info()
        self.info = info
        limit = info.current_max_replicas or specs.MAX_REPLICAS
        if limit >= (info.supported_max_replicas or specs.MAX_REPLICAS):
            LOG.info('LightOS cluster %(uuid)s can place %(max)d replicas '
                     'again.', {'uuid': info.uuid, 'max': limit})
            return specs.ReplicaLimit(limit)
        return self._limit(info, limit)

    def _limit(self, info, limit):
        try:
            nodes = self._client.list_nodes()
        except exception.LightOSError:
            nodes = None
        away = ['%s %s' % (n.name or n.uuid, n.state.value)
                for n in nodes or () if n.state is not models.NodeState.ACTIVE]
        if away:
            return specs.ReplicaLimit(limit, 'nodes not Active: %s' % (
                ', '.join(sorted(away))), nodes_away=True)
        return specs.ReplicaLimit(
            limit, 'the cluster reports currentMaxReplicas %d of %d' % (
                limit, info.supported_max_replicas or specs.MAX_REPLICAS),
            # Unknown when the token may not list nodes: assume maintenance
            # rather than stop the service.
            nodes_away=nodes is None)

    def replica_stats(self):
        """Volume stats keys: how many replicas the cluster can place now."""
        try:
            limit = self._read_limit()
        except exception.LightOSError as exc:
            LOG.warning('Could not read the LightOS replica limit: %s', exc)
            current = self.info.current_max_replicas if self.info else None
            if not current:
                return {}
            limit = specs.ReplicaLimit(current)
        return {'lightos_max_replicas': limit.value,
                'lightos_replica_limit_cause': limit.cause}

    # Attach targets

    def _read_targets(self):
        """The attach targets as the cluster lists them now."""
        port = self._conf.lightos_discovery_port
        if not self._nodes_forbidden:
            try:
                nodes = self._client.list_nodes()
            except exception.Forbidden:
                # Project-scoped tokens may not list nodes; clusterinfo
                # carries the data endpoints for exactly that case.
                self._nodes_forbidden = True
                LOG.info('The JWT may not list cluster nodes; attach '
                         'targets come from the nvmeEndpoints of '
                         'clusterinfo.')
                nodes = None
            targets = _node_targets(nodes, port) if nodes is not None else {}
            if targets:
                return targets
            if nodes is not None:
                LOG.warning('GET /nodes listed no node with an NVMe '
                            'endpoint; using the cluster information.')
        info = self._client.get_cluster_info()
        self.info = info
        targets = _endpoint_targets(info.nvme_endpoints, port)
        if not targets:
            raise exception.LightOSError(
                'LightOS cluster %s lists no NVMe endpoints; hosts would '
                'have no node to connect to.' % info.uuid)
        return targets

    def targets(self, refresh=False):
        """``{data_ip: {target_portal, target_port, transport_type}}``."""
        with self._lock:
            interval = self._conf.lightos_node_refresh_interval
            now = self._clock()
            fresh = (self._targets is not None and interval > 0 and
                     now - self._targets_read_at < interval)
            if fresh and not refresh:
                return dict(self._targets)
            with self._translator.translated('read the attach targets'):
                try:
                    targets = self._read_targets()
                except exception.LightOSError:
                    if self._targets is None:
                        raise
                    LOG.warning('Could not refresh the LightOS node list; '
                                'using the one read %.0f s ago.',
                                now - self._targets_read_at, exc_info=True)
                    return dict(self._targets)
            if targets != self._targets:
                LOG.info('LightOS attach targets: %s', ', '.join(targets))
            self._targets = targets
            self._targets_read_at = now
            return dict(targets)

    # Projects

    def projects(self):
        """Names of the projects whose volumes this backend may list.

        Every project of the cluster when the token may list them, else
        the projects that have a token of their own, and ``default`` when
        there is a backend-wide token.
        """
        with self._translator.translated('list the projects'):
            try:
                listed = self._client.list_projects()
            except exception.Forbidden:
                listed = None
        if listed is None:
            default = {specs.DEFAULT_PROJECT} if self.default_token else set()
            return sorted(default | set(self.token_projects))
        return sorted({project.name for project in listed})

    # Capacity

    def capacity(self):
        """Capacity figures for the volume stats, from ``GET /cluster``.

        Sizes are logical (after compression estimates), which is what thin
        provisioning compares volume sizes with: ``total_capacity_gb`` is
        ``estimatedLogicalStorage`` (``effectivePhysicalStorage`` when the
        estimate is absent), ``free_capacity_gb`` is
        ``estimatedFreeLogicalStorage`` (``freePhysicalStorage`` when
        absent) and ``provisioned_capacity_gb`` is ``logicalStorage``, the
        sum of allocated volume sizes. A token that may not read ``/cluster``
        (a project-scoped one) gets ``unknown`` totals and no provisioned
        figure. When the read fails, the last figures are reported for up
        to ``lightos_capacity_max_age`` seconds, then no capacity at all.
        """
        try:
            stats = self._client.get_cluster_stats()
        except exception.Forbidden:
            stats = None
        except exception.LightOSError as exc:
            # Told as a translated error would be: a 401 names the token.
            return self._capacity_unread(self._translator.cinder_error(
                exc, 'read the cluster capacity'))
        if stats is None:
            if not self._stats_forbidden:
                LOG.info('The JWT may not read cluster statistics; '
                         'capacity is reported as unknown.')
            self._stats_forbidden = True
            return {'total_capacity_gb': 'unknown',
                    'free_capacity_gb': 'unknown'}
        self._stats_forbidden = False
        total = stats.estimated_logical or stats.effective_physical
        free = stats.estimated_free_logical or stats.free_physical
        now = self._clock()
        if self._capacity_failing_since is not None:
            LOG.info('Read the LightOS cluster capacity again after %.0f s '
                     'of failed reads.', now - self._capacity_failing_since)
        self._capacity = {'total_capacity_gb': _gib(total),
                          'free_capacity_gb': _gib(free),
                          'provisioned_capacity_gb': _gib(stats.logical)}
        self._capacity_read_at = now
        self._capacity_failing_since = None
        self._capacity_withheld = False
        return dict(self._capacity)

    def _capacity_unread(self, exc):
        """Figures to report when the capacity could not be read."""
        now = self._clock()
        if self._capacity_failing_since is None:
            self._capacity_failing_since = now
        max_age = self._conf.lightos_capacity_max_age
        if self._capacity is not None:
            age = now - self._capacity_read_at
            if age <= max_age:
                LOG.warning('Could not read the LightOS cluster capacity '
                            '(%(error)s); reporting the figures read '
                            '%(age)d s ago (kept for up to '
                            'lightos_capacity_max_age = %(max)d s).',
                            {'error': exc, 'age': age, 'max': max_age})
                return dict(self._capacity)
            since = 'for %.0f s since the last successful read' % age
        else:
            since = 'since the service started'
        log = LOG.warning if self._capacity_withheld else LOG.error
        log('Could not read the LightOS cluster capacity %(since)s '
            '(%(error)s); reporting 0 GiB total and free capacity so that '
            'the scheduler places no new volume on this backend until the '
            'cluster answers again. Check that the LightOS API is reachable '
            'from this host.', {'since': since, 'error': exc})
        self._capacity_withheld = True
        return {'total_capacity_gb': 0, 'free_capacity_gb': 0}
