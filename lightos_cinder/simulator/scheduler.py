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

"""A timer thread that runs the simulator's delayed state transitions."""

import heapq
import itertools
import logging
import threading
import time

LOG = logging.getLogger(__name__)


class Scheduler:
    """Runs callables after a delay on one background thread."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._queue = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread = None
        self._stopping = False

    def start(self):
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(
                target=self._run, name='lightos-sim-scheduler', daemon=True)
            self._thread.start()

    def stop(self):
        with self._cond:
            thread = self._thread
            self._stopping = True
            self._queue.clear()
            self._cond.notify_all()
        if thread is not None:
            thread.join()
        self._thread = None

    def call_later(self, delay, func):
        with self._cond:
            heapq.heappush(self._queue,
                           (self._clock() + delay, next(self._seq), func))
            self._cond.notify_all()

    def clear(self):
        """Drop every pending call."""
        with self._cond:
            self._queue.clear()

    def run_all(self):
        """Run every pending call now, in due order (fast-forward)."""
        with self._cond:
            due, self._queue = sorted(self._queue), []
        for _, _, func in due:
            func()
        return len(due)

    def _run(self):
        while True:
            with self._cond:
                while not self._stopping:
                    if self._queue:
                        due = self._queue[0][0] - self._clock()
                        if due <= 0:
                            break
                        self._cond.wait(due)
                    else:
                        self._cond.wait()
                if self._stopping:
                    return
                _, _, func = heapq.heappop(self._queue)
            try:
                func()
            except Exception:
                LOG.exception('Delayed simulator transition failed')
