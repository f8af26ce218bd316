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

"""An emulated LightOS discovery-client: the host agent os-brick feeds."""

import dataclasses
import http.server
import ipaddress
import logging
import os
import socketserver
import threading

from lightos_cinder.simulator import blockdev
from lightos_cinder.simulator import rules

LOG = logging.getLogger(__name__)

DEFAULT_PORT = 6060  # os-brick's lightos_discovery_client_port
DEFAULT_DIR = '/etc/discovery-client/discovery.d'
DISCOVERY_PORT = 8009
# States in which a namespace serves I/O.
_SERVING = ('Available', 'Updating', 'Rollback', 'Migrating')


@dataclasses.dataclass(frozen=True)
class Entry:
    """One line of a discovery file: ``-t -a -s -q -n``."""

    transport: str
    address: str
    port: int
    hostnqn: str
    subsysnqn: str


def parse_entries(text):
    """Entries of a discovery file; malformed lines raise ValueError."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        words = line.split()
        if len(words) % 2:
            raise ValueError('line %d: expected "-flag value" pairs' % number)
        flags = dict(zip(words[::2], words[1::2]))
        missing = {'-t', '-a', '-s', '-q', '-n'} - set(flags)
        if missing:
            raise ValueError('line %d: missing %s' % (
                number, ' '.join(sorted(missing))))
        try:
            port = int(flags['-s'])
        except ValueError:
            raise ValueError('line %d: bad port %r' % (number, flags['-s']))
        entries.append(Entry(flags['-t'], flags['-a'], port, flags['-q'],
                             flags['-n']))
    return entries


def _ip_allowed(ip_acl, host_ips):
    if rules.allows_any(ip_acl):
        return True
    wanted = set()
    for value in ip_acl:
        try:
            wanted.add(ipaddress.ip_address(value))
        except ValueError:
            continue
    return any(ipaddress.ip_address(ip) in wanted for ip in host_ips)


class _MetricsHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'
    server_version = 'LightOS-Discovery-Client-Emulation'
    sys_version = ''

    def log_message(self, fmt, *args):
        LOG.debug('discovery-client %s', fmt % args)

    def _answer(self, with_body):
        if self.path.split('?')[0] != '/metrics':
            self.send_error(404)
            return
        body = ('# TYPE discovery_client_exposed_namespaces gauge\n'
                'discovery_client_exposed_namespaces %d\n'
                % len(self.server.agent.exposed())).encode('ascii')
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain; version=0.0.4')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_HEAD(self):
        self._answer(False)

    def do_GET(self):
        self._answer(True)


class _MetricsServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    # socketserver itself, not http.server's: see server._HTTPServer.
    daemon_threads = True
    allow_reuse_address = True


class DiscoveryClient:
    """Plays Lightbits' discovery-client for the hosts on this machine.

    It answers ``HEAD /metrics`` where os-brick checks for the agent,
    watches the discovery directory for the ``<uuid>.conf`` files that
    os-brick's ``connect_volume`` moves there, and exposes a volume as a
    block device while (a) its file names a node and the subsystem of the
    cluster, (b) the host NQN of the file is in the volume's ACL and (c)
    one of ``host_ips`` is in its IP-ACL (unless that is ALLOW_ANY). It
    withdraws the device as soon as any of that stops being true: the file
    is removed, access is revoked, or the volume is deleted.

    Several hosts may share the machine, each with its own directory
    (``extra_dirs``, as each has its own ``/etc/discovery-client``): the
    device is the machine's, so it stays while the file of any host still
    admits it. With one directory for all, one host's disconnect would
    remove the file, and the device, that another host still uses.
    """

    def __init__(self, cluster, data_store, discovery_dir=DEFAULT_DIR, *,
                 extra_dirs=(), address='127.0.0.1', port=DEFAULT_PORT,
                 host_ips=(), discovery_port=DISCOVERY_PORT, interval=0.1):
        if not ipaddress.ip_address(address).is_loopback:
            raise ValueError('the discovery-client emulation only listens '
                             'on loopback addresses, not %s' % address)
        self._cluster = cluster
        self._store = data_store
        self.discovery_dir = discovery_dir
        self.discovery_dirs = (discovery_dir,) + tuple(extra_dirs)
        self._address = address
        self._port = port
        self.host_ips = tuple(host_ips)
        self.discovery_port = discovery_port
        self._interval = interval
        self._lock = threading.Lock()
        self._devices = blockdev.DeviceSet()
        self._stopping = threading.Event()
        self._thread = None
        self._server = None
        self._server_thread = None
        self._complaints = {}

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        reason = blockdev.missing_requirements()
        if reason:
            raise blockdev.DeviceError(
                'the discovery-client emulation %s' % reason)
        for directory in self.discovery_dirs:
            os.makedirs(directory, mode=0o755, exist_ok=True)
        self._server = _MetricsServer((self._address, self._port),
                                      _MetricsHandler)
        self._server.agent = self
        self._server_thread = threading.Thread(
            target=self._server.serve_forever, kwargs={'poll_interval': 0.05},
            name='lightos-dsc-metrics', daemon=True)
        self._server_thread.start()
        self._store.add_listener(self._on_change)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._watch, daemon=True,
                                        name='lightos-dsc-watch')
        self._thread.start()

    def stop(self):
        """Stop watching and withdraw every device this client made."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._store.remove_listener(self._on_change)
        if self._server is not None:
            self._server.shutdown()
            self._server_thread.join()
            self._server.server_close()
            self._server = None
        with self._lock:
            self._devices.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1] if self._server else None

    @property
    def address(self):
        return self._address

    def leftovers(self):
        """Loop devices, nodes and links made and not removed since."""
        with self._lock:
            return self._devices.leftovers()

    def exposed(self):
        """{volume UUID: device node} of what this host sees now."""
        with self._lock:
            return {uuid: self._devices.get(uuid).node
                    for uuid in self._devices.uuids()}

    # -- reconciliation ------------------------------------------------------

    def _watch(self):
        while not self._stopping.wait(self._interval):
            try:
                self.reconcile()
            except Exception:
                LOG.exception('discovery-client emulation: reconcile failed')

    def reconcile(self):
        """Bring the devices in line with the files and the cluster now."""
        wanted = self._read_files()
        with self._cluster.lock:
            with self._lock:
                for uuid in set(self._devices.uuids()) - set(wanted):
                    self._devices.withdraw(uuid)
                for uuid, entries in wanted.items():
                    self._settle(uuid, entries)

    def _read_files(self):
        """{volume UUID: the entries of every host's file for it}."""
        wanted = {}
        for directory in self.discovery_dirs:
            try:
                names = os.listdir(directory)
            except FileNotFoundError:
                continue
            for name in names:
                if not name.endswith('.conf'):
                    continue
                path = os.path.join(directory, name)
                try:
                    with open(path) as handle:
                        entries = parse_entries(handle.read())
                except FileNotFoundError:
                    continue
                except ValueError as exc:
                    self._complain(path, 'ignoring %s: %s' % (path, exc))
                    continue
                wanted.setdefault(name[:-len('.conf')], []).extend(entries)
        return wanted

    def _complain(self, key, message):
        # Once per reason, not every interval.
        if self._complaints.get(key) != message:
            self._complaints[key] = message
            LOG.warning('discovery-client emulation: %s', message)

    def _volume(self, uuid):
        for project in self._cluster.projects.values():
            vol = project.volumes.get(uuid)
            if vol is not None:
                return vol
        return None

    def _why_not(self, uuid, entries):
        """Why the host may not see volume ``uuid`` now (None: it may)."""
        nodes = {node.ip for node in self._cluster.active_nodes()}
        usable = [e for e in entries if e.transport == 'tcp' and
                  e.address in nodes and e.port == self.discovery_port and
                  e.subsysnqn == self._cluster.subsystem_nqn]
        if not usable:
            return ('no line names an active node at port %d and the '
                    'subsystem %s' % (self.discovery_port,
                                      self._cluster.subsystem_nqn))
        vol = self._volume(uuid)
        if vol is None:
            return 'no such volume'
        if vol.state not in _SERVING:
            return 'the volume is %s' % vol.state
        if not any(rules.allows_any(vol.acl) or e.hostnqn in vol.acl
                   for e in usable):
            return 'host %s is not in the ACL' % usable[0].hostnqn
        if not _ip_allowed(vol.ip_acl, self.host_ips):
            return 'no host address of %s is in the IP-ACL' % (
                list(self.host_ips),)
        return None

    def _settle(self, uuid, entries):
        reason = self._why_not(uuid, entries)
        if reason is None:
            if uuid not in self._devices:
                vol = self._volume(uuid)
                try:
                    self._devices.expose(uuid,
                                         self._store.volume_path(uuid),
                                         vol.sector_size)
                except blockdev.DeviceError as exc:
                    self._complain(uuid, str(exc))
                    return
                self._complaints.pop(uuid, None)
        else:
            if uuid in self._devices:
                LOG.info('discovery-client emulation: withdrawing %s: %s',
                         uuid, reason)
                self._devices.withdraw(uuid)
            self._complain(uuid, 'volume %s not exposed: %s'
                           % (uuid, reason))

    def _on_change(self, event, uuid):
        """A data store event; runs under the cluster lock."""
        with self._lock:
            if uuid not in self._devices and event != 'access':
                return
            if event == 'removing':
                self._devices.withdraw(uuid)
            elif event == 'resized':
                self._devices.resize(uuid)
            elif event == 'rewritten':
                self._devices.drop_caches(uuid)
        if event == 'access':
            # Revocation takes effect before the API answers; a grant is
            # picked up by the next pass over the files.
            wanted = self._read_files()
            with self._lock:
                if uuid in self._devices:
                    if uuid in wanted:
                        self._settle(uuid, wanted[uuid])
                    else:
                        self._devices.withdraw(uuid)
