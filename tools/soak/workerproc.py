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

"""cinder-volume (worker.py) as a child process the soak can SIGKILL."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading

_WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       'worker.py')
# Starting Cinder (database, driver set-up, init_host) takes seconds; a
# start that takes minutes is broken.
START_TIMEOUT = 180
# The worker answers hung commands itself after worker.HUNG_AFTER; this
# only catches a worker that stopped answering at all.
ANSWER_TIMEOUT = 240


class WorkerDied(Exception):
    pass


class WorkerProcess:
    """Starts, commands, kills and restarts the worker."""

    def __init__(self, workdir):
        self._workdir = workdir
        self._proc = None
        self._answers = None
        self.starts = 0
        self.kills = 0

    def start(self):
        stderr = open(os.path.join(self._workdir, 'worker.err'), 'a')
        self._proc = subprocess.Popen(
            [sys.executable, _WORKER, self._workdir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
            text=True, bufsize=1)
        stderr.close()
        self._answers = queue.Queue()
        threading.Thread(target=self._read, args=(self._proc,
                                                  self._answers),
                         daemon=True).start()
        ready = self._answer(START_TIMEOUT)
        if not ready.get('ready'):
            raise WorkerDied('the worker did not start: %s' % ready)
        self.starts += 1

    @staticmethod
    def _read(proc, answers):
        for line in proc.stdout:
            answers.put(json.loads(line))
        answers.put(None)

    def _answer(self, timeout):
        try:
            answer = self._answers.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise WorkerDied('no answer within %d s' % timeout)
        if answer is None:
            raise WorkerDied('the worker exited (%s); see %s/worker.err'
                             % (self._proc.wait(), self._workdir))
        return answer

    def call(self, op, args):
        """The worker's answer, or WorkerDied if it died meanwhile."""
        self._proc.stdin.write(json.dumps({'op': op, 'args': args}) + '\n')
        self._proc.stdin.flush()
        return self._answer(ANSWER_TIMEOUT)

    @property
    def alive(self):
        return self._proc is not None and self._proc.poll() is None

    def kill(self):
        """SIGKILL: no clean-up of any kind runs in the worker."""
        if self.alive:
            os.kill(self._proc.pid, signal.SIGKILL)
            self.kills += 1
        if self._proc is not None:
            self._proc.wait()

    def kill_later(self, delay):
        """Kill the worker running now after ``delay`` seconds."""
        proc = self._proc

        def fire():
            if proc is self._proc and proc.poll() is None:
                self.kill()
        timer = threading.Timer(delay, fire)
        timer.daemon = True
        timer.start()
        return timer

    def stop(self):
        if self.alive:
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
