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

"""Start driver worker processes and talk to them; write their cinder.conf."""

import json
import os
import subprocess
import sys

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      'worker.py')

# The two drivers under test: name -> (volume_driver, label).
DRIVERS = {
    'ours': ('lightos_cinder.driver.LightOSVolumeDriver', 'lightos-cinder'),
    'intree': ('cinder.volume.drivers.lightos.LightOSVolumeDriver',
               'Cinder in-tree'),
}


class WorkerError(Exception):
    """A worker could not start or a command failed in it."""


def backend_section(name, driver, sim, **options):
    """A cinder.conf backend section for ``driver`` against ``sim``.

    Cinder's in-tree driver hands driver_ssl_cert_verify straight to
    requests and never reads driver_ssl_cert_path, so it cannot trust the
    simulator's CA: it runs with certificate verification off. This driver
    verifies against the simulator's CA. Both get the token inline (the
    in-tree driver has no token file option).
    """
    values = {
        'volume_driver': DRIVERS[driver][0],
        'volume_backend_name': name,
        'lightos_api_address': ','.join(sim.addresses),
        'lightos_api_port': sim.port,
        'lightos_jwt': sim.system_token,
        'lightos_default_num_replicas': min(3, len(sim.addresses)),
    }
    if driver == 'intree':
        values['driver_ssl_cert_verify'] = False
    else:
        values['driver_ssl_cert_verify'] = True
        values['driver_ssl_cert_path'] = sim.ca_path
    values.update(options)
    lines = ['[%s]' % name]
    lines += ['%s = %s' % (key, value) for key, value in values.items()]
    return '\n'.join(lines) + '\n'


def cinder_conf(sections, lock_dir):
    """A whole cinder.conf: the sections plus a file coordination backend."""
    return '\n'.join(['[DEFAULT]\n', '[coordination]',
                      'backend_url = file://%s\n' % lock_dir] +
                     list(sections))


class Worker:
    """One ``worker.py`` process hosting one driver class."""

    def __init__(self, driver, conf_path, log_path):
        self.driver = driver
        self._log = open(log_path, 'ab')
        env = dict(os.environ)
        # Run as cinder-volume does: monkey-patched by eventlet.
        env['OS_CINDER_DISABLE_EVENTLET_PATCHING'] = '0'
        env.setdefault('PYTHONWARNINGS', 'ignore')
        self._proc = subprocess.Popen(
            [sys.executable, WORKER, conf_path], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._log, env=env, text=True,
            bufsize=1)
        self._answer()

    def _answer(self):
        line = self._proc.stdout.readline()
        if not line:
            raise WorkerError('the %s worker exited (status %s); see %s'
                              % (self.driver, self._proc.poll(),
                                 self._log.name))
        answer = json.loads(line)
        if 'error' in answer:
            raise WorkerError('%s worker: %s (details in %s)'
                              % (self.driver, answer['error'],
                                 self._log.name))
        return answer['ok']

    def call(self, cmd, **kwargs):
        kwargs['cmd'] = cmd
        self._proc.stdin.write(json.dumps(kwargs) + '\n')
        self._proc.stdin.flush()
        return self._answer()

    def close(self):
        if self._proc.poll() is None:
            try:
                self._proc.stdin.write('{"cmd": "quit"}\n')
                self._proc.stdin.close()
                self._proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        self._proc.stdout.close()
        self._log.close()
