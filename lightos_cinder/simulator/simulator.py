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

"""The Simulator: a LightOS cluster of HTTPS nodes on loopback addresses."""

import ipaddress
import json
import os
import shutil
import tempfile
import threading

from lightos_cinder.simulator import app as app_mod
from lightos_cinder.simulator import auth
from lightos_cinder.simulator import clusterstate as cluster_mod
from lightos_cinder.simulator import dataplane
from lightos_cinder.simulator import discovery
from lightos_cinder.simulator import faults as faults_mod
from lightos_cinder.simulator import persistence
from lightos_cinder.simulator import scheduler as scheduler_mod
from lightos_cinder.simulator import server as server_mod
from lightos_cinder.simulator import tls

SYSTEM_KID = 'system:root'
SYSTEM_TOKEN_LIFETIME = 30 * 24 * 3600  # the lbcli default
_BIND_ATTEMPTS = 20


def default_ips(count):
    """127.0.0.11, 127.0.0.12, ...: one loopback address per node."""
    return ['127.0.0.%d' % (11 + index) for index in range(count)]


def _check_loopback(ips):
    for ip in ips:
        if not ipaddress.ip_address(ip).is_loopback:
            raise ValueError('the simulator only listens on loopback '
                             'addresses, not %s' % ip)


class Simulator:
    """A simulated LightOS cluster serving the REST API over HTTP(S).

    Each node listens on its own loopback address, all on one port, like a
    production cluster where ``lightos_api_address`` lists node IPs and
    ``lightos_api_port`` is one port. Delays are in milliseconds; 0 makes a
    transition complete before the request that started it returns. With
    ``data_dir`` every volume and snapshot keeps its data in a sparse file
    there (see dataplane.py), which start_discovery_client() can expose.
    """

    def __init__(self, nodes=3, ips=None, port=0, tls=True, auth=True,
                 create_delay_ms=0, update_delay_ms=0, delete_delay_ms=0,
                 etag_mismatch_status=412, workdir=None, *, admin_port=None,
                 state_file=None, deleting_visible_by_name=False,
                 node_capacity=cluster_mod.NODE_CAPACITY, data_dir=None):
        self._ips = list(ips) if ips else default_ips(nodes)
        if not self._ips:
            raise ValueError('a cluster needs at least one node')
        _check_loopback(self._ips)
        self._requested_port = port
        self._tls = tls
        self._auth = auth
        self._delays = cluster_mod.Delays(create=create_delay_ms / 1000.0,
                                          update=update_delay_ms / 1000.0,
                                          delete=delete_delay_ms / 1000.0)
        self._etag_mismatch_status = etag_mismatch_status
        self._workdir_arg = workdir
        self._admin_port = admin_port
        self._state_file = state_file
        self._deleting_visible_by_name = deleting_visible_by_name
        self._node_capacity = node_capacity
        self._data_dir = data_dir
        self.data_store = None
        self._discovery_clients = []
        self._lock = threading.RLock()
        self._started = False
        self._workdir = None
        self._own_workdir = False
        self._servers = []
        self._faults = []
        self._tls_files = None
        self._keyring = None
        self._system_token = None
        self._admin = None
        self.cluster = None
        self._counters = None
        self.scheduler = None

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        with self._lock:
            if self._started:
                return
            try:
                self._start()
            except BaseException:
                self._stop()
                raise
            self._started = True

    def _start(self):
        if self._workdir_arg:
            os.makedirs(self._workdir_arg, exist_ok=True)
            self._workdir = self._workdir_arg
        else:
            self._workdir = tempfile.mkdtemp(prefix='lightos-sim-')
            self._own_workdir = True
        saved = self._read_state_file()
        self._keyring = auth.KeyRing()
        self._keyring.load(saved.get('keys', {}))
        if self._tls:
            ca = saved.get('ca', {})
            self._tls_files = tls.make_certificates(
                self._workdir, self._ips, ca.get('cert'), ca.get('key'))
        self.scheduler = scheduler_mod.Scheduler()
        self.scheduler.start()
        self._faults = [faults_mod.FaultTable() for _ in self._ips]
        self._counters = server_mod.Counters(self._ips)
        self._bind_servers()
        self.cluster = cluster_mod.Cluster(
            self._ips, self.port, scheduler=self.scheduler,
            delays=self._delays,
            etag_mismatch_status=self._etag_mismatch_status,
            deleting_visible_by_name=self._deleting_visible_by_name,
            node_capacity=self._node_capacity)
        if saved.get('cluster'):
            persistence.load(self.cluster, saved['cluster'])
        if self._data_dir:
            self._attach_data_store()
        application = app_mod.App(
            self.cluster,
            auth.Authenticator(self.cluster.public_key_pem)
            if self._auth else None)
        for node in self._servers:
            node.app = application
        self._system_token = self.mint_token(
            expires_in=SYSTEM_TOKEN_LIFETIME)
        if self._auth:
            self._write_secret(self.token_path, self._system_token + '\n')
        if self._state_file:
            self.cluster.on_change = self._save_state
            self._save_state()
        for node in self._servers:
            node.serve()
        if self._admin_port is not None:
            from lightos_cinder.simulator import admin
            self._admin = admin.AdminServer(self, port=self._admin_port)
            self._admin.start()

    def _attach_data_store(self):
        store = dataplane.DataStore(self._data_dir)
        with self.cluster.lock:
            projects = self.cluster.projects.values()
            store.adopt(
                {vol.uuid: vol.size for project in projects
                 for vol in project.volumes.values()},
                {snap.uuid: snap.size for project in projects
                 for snap in project.snapshots.values()})
            self.cluster.data_store = store
        self.data_store = store

    def _bind_servers(self):
        context = tls.server_context(self._tls_files) if self._tls else None
        attempts = 1 if self._requested_port else _BIND_ATTEMPTS
        for attempt in range(attempts):
            servers, port = [], self._requested_port
            try:
                for ip, faults in zip(self._ips, self._faults):
                    node = server_mod.NodeServer(
                        ip, port, app=None, counters=self._counters,
                        faults=faults, ssl_context=context)
                    node.bind()
                    servers.append(node)
                    port = node.port
            except OSError:
                for node in servers:
                    node.stop()
                if attempt + 1 == attempts:
                    raise
                continue
            self._servers = servers
            return

    def stop(self):
        """Stop every thread and close every socket (idempotent)."""
        with self._lock:
            self._stop()
            self._started = False

    def _stop(self):
        while self._discovery_clients:
            self._discovery_clients.pop().stop()
        if self._admin is not None:
            self._admin.stop()
            self._admin = None
        for faults in self._faults:
            faults.clear()
        for node in self._servers:
            node.stop()
        self._servers = []
        if self.scheduler is not None:
            self.scheduler.stop()
        if self._state_file and self.cluster is not None:
            self._save_state()
        if self._own_workdir and self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._own_workdir = False

    def reset(self):
        """Drop all cluster state and counters; servers and keys stay."""
        self.cluster.reset()
        self._counters.reset()

    def start_discovery_client(self, discovery_dir, **kwargs):
        """Start an emulated discovery-client (root only) for one host.

        It exposes attached volumes as block devices that os-brick's LightOS
        connector finds; see discovery.DiscoveryClient for ``kwargs``. It
        stops (and removes every device it made) with the simulator.
        """
        if self.data_store is None:
            raise ValueError('the discovery-client needs a simulator that '
                             'keeps data: pass data_dir')
        agent = discovery.DiscoveryClient(self.cluster, self.data_store,
                                          discovery_dir, **kwargs)
        agent.start()
        with self._lock:
            self._discovery_clients.append(agent)
        return agent

    def stop_discovery_client(self, agent):
        with self._lock:
            if agent in self._discovery_clients:
                self._discovery_clients.remove(agent)
        agent.stop()

    # -- where it listens --------------------------------------------------

    @property
    def addresses(self):
        return list(self._ips)

    @property
    def port(self):
        return self._servers[0].port if self._servers else None

    @property
    def tls(self):
        return self._tls

    @property
    def scheme(self):
        return 'https' if self._tls else 'http'

    @property
    def urls(self):
        """Base URL of every node, e.g. https://127.0.0.11:8443."""
        return ['%s://%s:%d' % (self.scheme, ip, self.port)
                for ip in self._ips]

    @property
    def workdir(self):
        return self._workdir

    @property
    def ca_path(self):
        return self._tls_files.ca_path if self._tls_files else None

    @property
    def token_path(self):
        return os.path.join(self._workdir, 'system.jwt') if self._auth \
            else None

    @property
    def admin_url(self):
        return self._admin.url if self._admin else None

    # -- tokens --------------------------------------------------------------

    @property
    def system_token(self):
        """A system:cluster-admin token (None when auth is off)."""
        return self._system_token if self._auth else None

    def mint_token(self, roles=(auth.SYSTEM_ADMIN_ROLE,), kid=SYSTEM_KID,
                   expires_in=3600, **claims):
        """Sign a JWT; the key named by ``kid`` is created on first use.

        A new key's public half is registered as a credential of its scope
        (the part of ``kid`` before the colon), as an operator would.
        """
        key, _ = self._keyring.key(kid)
        scope, name = auth.split_kid(kid)
        if self.cluster.public_key_pem(kid) is None:
            self.cluster.add_credential(
                scope, {'ID': name, 'type': 'RS256PubKey',
                        'payload': auth.public_pem(key)}, pinned=True)
        return auth.mint(key, kid, roles, expires_in, **claims)

    # -- cluster controls ----------------------------------------------------

    def create_project(self, name, description=''):
        self.cluster.create_project({'name': name,
                                     'description': description})

    def create_qos_policy(self, name, description='', limits=None):
        """Create a global QoS policy and return its UUID."""
        return self.cluster.create_policy({
            'name': name, 'description': description,
            'qoSRateLimitPolicy': limits or {
                'limitIOPS': {'readIOPSLimit': '10000',
                              'writeIOPSLimit': '10000'}},
        })['UUID']

    def state(self):
        return self.cluster.state()

    def counters(self):
        return self._counters.snapshot()

    def fail_next_create(self, kind='volume'):
        self.cluster.fail_next_create(kind)

    def force_volume_state(self, project, uuid, state):
        self.cluster.force_volume_state(project, uuid, state)

    def bump_etag(self, project, uuid):
        return self.cluster.bump_etag(project, uuid)

    def complete_transitions(self):
        """Finish every pending transition now, whatever its delay.

        Returns how many there were. Lets a test observe Creating,
        Updating or Deleting under long delays and then move on without
        waiting for them.
        """
        return self.scheduler.run_all()

    def set_node_state(self, node_index, state):
        self.cluster.set_node_state(node_index, state)

    # -- faults --------------------------------------------------------------

    def set_fault(self, node_index, kind, *, count=None, path=None,
                  delay_ms=None, status=None, retry_after=None, method=None,
                  after=None):
        """Inject a fault into one node's API server (see faults.KINDS)."""
        fault = faults_mod.Fault(kind, count=count, path=path,
                                 delay_ms=delay_ms, status=status,
                                 retry_after=retry_after, method=method,
                                 after=after)
        with self._lock:
            self._faults[node_index].add(fault)
            if kind == 'down':
                self._servers[node_index].stop()

    def clear_faults(self, node_index=None):
        with self._lock:
            indexes = (range(len(self._servers)) if node_index is None
                       else [node_index])
            for index in indexes:
                self._faults[index].clear()
                node = self._servers[index]
                if not node.is_up:
                    node.start()

    def faults(self):
        return {ip: table.describe()
                for ip, table in zip(self._ips, self._faults)}

    # -- configuration -------------------------------------------------------

    def cinder_conf(self, backend='lightos', jwt='file'):
        """A cinder.conf backend section for this simulator.

        ``jwt='file'`` points lightos_jwt_file at the token file written at
        start; ``jwt='inline'`` puts the token itself in the section.
        """
        lines = [
            '[%s]' % backend,
            'volume_driver = lightos_cinder.driver.LightOSVolumeDriver',
            'volume_backend_name = %s' % backend,
            'lightos_api_address = %s' % ','.join(self._ips),
            'lightos_api_port = %d' % self.port,
            'lightos_default_num_replicas = %d' % min(3, len(self._ips)),
        ]
        if self._auth:
            if jwt == 'inline':
                lines.append('lightos_jwt = %s' % self.system_token)
            else:
                lines.append('lightos_jwt_file = %s' % self.token_path)
        if self._tls:
            lines += ['driver_ssl_cert_verify = True',
                      'driver_ssl_cert_path = %s' % self.ca_path]
        else:
            lines.append('driver_ssl_cert_verify = False')
        return '\n'.join(lines) + '\n'

    # -- persistence ---------------------------------------------------------

    def _read_state_file(self):
        if not self._state_file or not os.path.exists(self._state_file):
            return {}
        with open(self._state_file) as handle:
            return json.load(handle)

    def _save_state(self):
        data = {'cluster': persistence.dump(self.cluster),
                'keys': self._keyring.export()}
        if self._tls_files:
            data['ca'] = {'cert': self._tls_files.ca_cert_pem,
                          'key': self._tls_files.ca_key_pem}
        self._write_secret(self._state_file, json.dumps(data, indent=1))

    @staticmethod
    def _write_secret(path, text):
        tmp = '%s.tmp' % path
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
        os.replace(tmp, path)
