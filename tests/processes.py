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

"""Servers the tests and tools run as children: awaited, stopped by PID."""

import subprocess

from lightos_cinder.api import exception
from lightos_cinder.api import waiters


class Child:
    """One child process; ``what`` names it in errors (with its log)."""

    def __init__(self, argv, what, **popen):
        self.what = what
        self.process = subprocess.Popen(argv, **popen)

    def running(self):
        """Raise OperationFailed if the process has ended."""
        code = self.process.poll()
        if code is not None:
            raise exception.OperationFailed(self.what, 'exit %s' % code)

    def wait_ready(self, probe, timeout, what):
        """Poll ``probe`` (it raises NotReady) while the child still runs."""
        def ready():
            self.running()
            return probe()
        return waiters.wait_for(ready, timeout=timeout, what=what,
                                interval=0.05, max_interval=0.5)

    def kill(self):
        """SIGKILL: it dies with whatever it had in flight."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def stop(self, timeout=20):
        """SIGTERM, then SIGKILL if it outlives ``timeout`` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
