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

"""The simulated cluster in a process of its own, driven by its admin API."""

import json
import os
import ssl
import subprocess
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from lightos_cinder.api import exception  # noqa: E402
from tests import processes  # noqa: E402

# Short transitions: the driver still polls Creating/Deleting states, and a
# run of a thousand operations stays within minutes.
_DELAY_MS = '20'


class SimulatorProcess:
    """``lightos-cinder simulator`` as a child that outlives cinder-volume.

    The soak kills cinder-volume, never this process: the cluster keeps
    its state across those kills as a real one does.
    """

    def __init__(self, workdir, nodes=3):
        self.workdir = workdir
        self.nodes = nodes
        self.admin_url = None
        self.backend_section = None
        self._child = None
        self._out = os.path.join(workdir, 'simulator.out')

    def start(self):
        simdir = os.path.join(self.workdir, 'simulator')
        os.makedirs(simdir, exist_ok=True)
        with open(self._out, 'w') as out, open(
                os.path.join(self.workdir, 'simulator.log'), 'w') as err:
            self._child = processes.Child(
                [sys.executable, '-m', 'lightos_cinder.cmd.main',
                 'simulator', '--nodes', str(self.nodes),
                 '--workdir', simdir, '--backend', 'lightos',
                 '--create-delay-ms', _DELAY_MS,
                 '--update-delay-ms', _DELAY_MS,
                 '--delete-delay-ms', _DELAY_MS],
                'the simulator (see %s)' % self.workdir,
                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        text = self._child.wait_ready(
            self._printed, 60, 'the simulator to print its address')
        for line in text.splitlines():
            if line.startswith('Admin endpoint: '):
                self.admin_url = line.split(': ', 1)[1].strip()
        self.backend_section = text.split('# cinder.conf\n', 1)[1].strip()

    def _printed(self):
        with open(self._out) as handle:
            text = handle.read()
        if '# cinder.conf' not in text or not text.endswith('\n\n'):
            raise exception.NotReady('starting')
        return text

    def stop(self):
        if self._child is not None:
            self._child.stop(timeout=30)
        self._child = None

    def admin(self, method, path, body=None):
        """One admin API call; returns its JSON answer."""
        data = None if body is None else json.dumps(body).encode('utf-8')
        request = urllib.request.Request(
            self.admin_url + path, data=data, method=method,
            headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b'{}')

    def remove_failed(self, kind, project, uuid):
        """What an operator does on the cluster with a Failed record.

        The API refuses to delete a Failed volume or snapshot; the cluster's
        own repair ends with the record deleted. Here: the admin API makes
        it Available, then the REST API deletes it with the system token.
        """
        self.admin('POST', '/volume-state', {'project': project,
                                             'uuid': uuid,
                                             'state': 'Available'})
        simdir = os.path.join(self.workdir, 'simulator')
        with open(os.path.join(simdir, 'system.jwt')) as handle:
            token = handle.read().strip()
        info = self.admin('GET', '/info')
        url = '%s://%s:%d/api/v2/projects/%s/%s/%s' % (
            info['scheme'], info['addresses'][0], info['port'], project,
            kind, uuid)
        request = urllib.request.Request(
            url, method='DELETE',
            headers={'Authorization': 'Bearer %s' % token})
        context = ssl.create_default_context(cafile=info['ca_path'])
        with urllib.request.urlopen(request, timeout=30, context=context):
            pass

    def state(self):
        """The cluster's raw records (Deleting ones included)."""
        return self.admin('GET', '/state')
