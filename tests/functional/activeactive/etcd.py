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

"""A one-member etcd on loopback for the tests, read over its v3 gateway."""

import base64
import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.request

from lightos_cinder.api import exception
from tests import processes

# Where tooz's etcd3gw driver keeps its locks (the name follows directly).
TOOZ_LOCK_PREFIX = '/tooz/locks'
_PACKAGES = ('etcd-server', 'etcd-client')


def ensure_installed():
    """Return the etcd binary; install Debian's etcd-server if missing."""
    found = shutil.which('etcd')
    if found:
        return found
    if os.geteuid() == 0 and shutil.which('apt-get'):
        env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
        install = ['apt-get', 'install', '-y', '-q',
                   '--no-install-recommends'] + list(_PACKAGES)
        if subprocess.run(install, env=env,
                          stdout=subprocess.DEVNULL).returncode:
            # A fresh machine may not have the package lists yet.
            subprocess.run(['apt-get', 'update', '-q'], check=True,
                           stdout=subprocess.DEVNULL)
            subprocess.run(install, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        found = shutil.which('etcd')
    if not found:
        raise RuntimeError('etcd is not installed: the active-active tests '
                           'need it; install it with "apt-get install -y '
                           'etcd-server etcd-client" (as root).')
    return found


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def _prefix_end(prefix):
    raw = prefix.encode()
    return base64.b64encode(raw[:-1] + bytes([raw[-1] + 1])).decode()


class Etcd:
    """etcd serving clients on 127.0.0.1:<random port>, data in workdir."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = None
        self._peer_port = None
        self._child = None
        self._log = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    @property
    def backend_url(self):
        """[coordination] backend_url for tooz's etcd3gw driver."""
        return 'etcd3+http://127.0.0.1:%d' % self.port

    def start(self):
        """Start etcd; after kill(), again on the same ports and data."""
        binary = ensure_installed()
        if self.port is None:
            self.port, self._peer_port = free_port(), free_port()
        peer = 'http://127.0.0.1:%d' % self._peer_port
        os.makedirs(self.workdir, exist_ok=True)
        self._log = open(os.path.join(self.workdir, 'etcd.log'), 'ab')
        self._child = processes.Child(
            [binary, '--name', 'test',
             '--data-dir', os.path.join(self.workdir, 'data'),
             '--listen-client-urls', self.url,
             '--advertise-client-urls', self.url,
             '--listen-peer-urls', peer,
             '--initial-advertise-peer-urls', peer,
             '--initial-cluster', 'test=%s' % peer],
            'etcd (see %s/etcd.log)' % self.workdir,
            stdout=self._log, stderr=subprocess.STDOUT)
        self.wait_healthy()

    def wait_healthy(self, timeout=30):
        def probe():
            try:
                with urllib.request.urlopen(self.url + '/health',
                                            timeout=2) as resp:
                    health = json.load(resp)
            except (OSError, ValueError) as exc:
                raise exception.NotReady(str(exc))
            if health.get('health') != 'true':
                raise exception.NotReady(health)
            return health
        self._child.wait_ready(probe, timeout, 'etcd to be healthy')

    def kill(self):
        """SIGKILL etcd: clients find nothing listening until start()."""
        self._child.kill()
        self._ended()

    def stop(self):
        if self._child is not None:
            self._child.stop()
        self._ended()

    def _ended(self):
        self._child = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def keys(self, prefix=TOOZ_LOCK_PREFIX):
        """The keys under ``prefix``, read through the v3 gateway."""
        body = json.dumps({'key': _b64(prefix),
                           'range_end': _prefix_end(prefix),
                           'keys_only': True}).encode()
        request = urllib.request.Request(
            self.url + '/v3/kv/range', data=body,
            headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=5) as resp:
            found = json.load(resp)
        return sorted(base64.b64decode(kv['key']).decode()
                      for kv in found.get('kvs', ()))
