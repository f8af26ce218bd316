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

"""Two cinder-volume processes of one Cinder cluster, driven by the tests."""

import concurrent.futures
import itertools
import json
import os
import subprocess
import sys
import threading

from lightos_cinder.demo import cinderconf
from tests import processes

_MODULE = 'tests.functional.activeactive.volumeservice'
# One operation (a create, a clone, an attach) finishes in seconds; the
# bound only keeps a broken run from hanging.
REPLY_TIMEOUT = 120

_CONF = """[DEFAULT]
enabled_backends = lightos
state_path = %(workdir)s
transport_url = fake:/
log_file = %(log_file)s
debug = True
reinit_driver_count = 0
# Heartbeats every second (volumeservice.REPORT_INTERVAL): a service is
# reported down a few seconds after it died, as the workers cleanup needs.
service_down_time = 10

[coordination]
backend_url = %(coordination)s

"""


class ServiceError(Exception):
    """An operation failed in a volume service; carries its error."""


class ServiceProcess:
    """One ``volumeservice`` process; ``call`` sends it an operation."""

    def __init__(self, name, config_file, workdir, coordination=None):
        self.name = name
        # Like separate machines: each service its own lock directory.
        own = os.path.join(workdir, name)
        text = '[oslo_concurrency]\nlock_path = %s\n' % (
            cinderconf.lock_path(own))
        if coordination:
            text += '[coordination]\nbackend_url = %s\n' % coordination
        own_conf = cinderconf.write_private(own, text)
        self._ids = itertools.count(1)
        self._pending = {}
        self._lock = threading.Lock()
        self._stderr = open(os.path.join(workdir, '%s.err' % name), 'wb')
        self._child = processes.Child(
            [sys.executable, '-m', _MODULE, config_file, own_conf, name],
            'volume service %s' % name, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        self.process = self._child.process
        self._ready = concurrent.futures.Future()
        self._pending[0] = self._ready
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.service_id = self._ready.result(REPLY_TIMEOUT)['service_id']

    def _read(self):
        for line in self.process.stdout:
            message = json.loads(line)
            with self._lock:
                future = self._pending.pop(message['id'])
            if 'error' in message:
                future.set_exception(ServiceError(
                    '%s: %s' % (self.name, message['error'])))
            else:
                future.set_result(message['result'])
        with self._lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future.set_exception(ServiceError(
                '%s exited (%s) before answering' % (
                    self.name, self.process.poll())))

    def submit(self, op, **args):
        """Send an operation; return a Future of its result."""
        future = concurrent.futures.Future()
        with self._lock:
            request_id = next(self._ids)
            self._pending[request_id] = future
            self.process.stdin.write(json.dumps(
                {'id': request_id, 'op': op, 'args': args}) + '\n')
            self.process.stdin.flush()
        return future

    def call(self, op, **args):
        return self.submit(op, **args).result(REPLY_TIMEOUT)

    def kill(self):
        """SIGKILL: the service dies with whatever it had in flight."""
        self._child.kill()

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
        self._child.stop()
        self._stderr.close()


class Cluster:
    """Shared database and coordination; ``services`` by host name."""

    def __init__(self, workdir, backend_section, coordination_url):
        self.workdir = workdir
        self.services = {}
        os.makedirs(workdir, exist_ok=True)
        text = _CONF % {
            'workdir': workdir, 'coordination': coordination_url,
            'log_file': os.path.join(workdir, 'cinder-volume.log'),
        } + cinderconf.shared_sections(
            # Two processes write to it: wait for the other's lock rather
            # than fail after sqlite's default 5 seconds.
            os.path.join(workdir, 'cinder.sqlite?timeout=60'),
            cinderconf.lock_path(workdir)) + backend_section
        self.config_file = cinderconf.write_private(workdir, text)
        subprocess.run([sys.executable, '-m', _MODULE, self.config_file,
                        self.config_file, '--db-sync'],
                       check=True, stdout=subprocess.DEVNULL)

    def start(self, *names, coordination=None):
        """Start services; ``coordination`` overrides the backend_url."""
        for name in names:
            self.services[name] = ServiceProcess(
                name, self.config_file, self.workdir,
                coordination=coordination and coordination(name))
        return [self.services[name] for name in names]

    def stop(self):
        for svc in self.services.values():
            svc.stop()
        self.services = {}
