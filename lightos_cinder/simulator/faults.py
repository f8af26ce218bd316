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

"""Faults injected into a simulated node's API server."""

import re
import threading

KINDS = ('down', 'blackhole', 'slow', 'status', 'reset')


class Fault:
    """One injected fault; ``count`` and ``path`` limit what it hits."""

    def __init__(self, kind, *, count=None, path=None, delay_ms=None,
                 status=None, retry_after=None, method=None, after=None):
        if kind not in KINDS:
            raise ValueError('fault kind must be one of %s, got %r'
                             % (', '.join(KINDS), kind))
        if kind == 'down' and (count is not None or path is not None or
                               method is not None):
            raise ValueError('a node that is down refuses connections: '
                             'count, path and method do not apply')
        if kind == 'slow' and not (delay_ms and delay_ms > 0):
            raise ValueError('a slow fault needs delay_ms > 0')
        if kind == 'status' and not (
                status == 429 or (status is not None and
                                  500 <= status <= 599)):
            raise ValueError('a status fault needs status 429 or 5xx')
        if count is not None and count < 1:
            raise ValueError('count must be positive')
        if after is not None and (after < 0 or kind == 'down'):
            raise ValueError('after counts matching requests to let pass '
                             'first: 0 or more, and not for a node down')
        self.kind = kind
        self.remaining = count
        # Matching requests still let through before the fault fires.
        self.passes = after or 0
        self.path = path
        self.method = method.upper() if method else None
        self._pattern = re.compile(path) if path is not None else None
        self.delay_ms = delay_ms
        self.status = status
        self.retry_after = retry_after
        self._held = []
        self._released = False
        self._lock = threading.Lock()

    def matches(self, target, method=None):
        if self.method is not None and method != self.method:
            return False
        return self._pattern is None or bool(self._pattern.search(target))

    def hold(self, wake):
        """Register a held (blackholed) request; ``wake`` is set on release.

        Returns False if the fault was already released.
        """
        with self._lock:
            if self._released:
                return False
            self._held.append(wake)
            return True

    def release(self):
        with self._lock:
            self._released = True
            held, self._held = self._held, []
        for wake in held:
            wake.set()

    def describe(self):
        return {key: value for key, value in (
            ('kind', self.kind), ('count', self.remaining),
            ('after', self.passes or None),
            ('path', self.path), ('method', self.method),
            ('delay_ms', self.delay_ms),
            ('status', self.status), ('retry_after', self.retry_after))
            if value is not None}


class FaultTable:
    """The faults of one node, matched in the order they were set."""

    def __init__(self):
        self._faults = []
        # Used-up faults may still hold blackholed requests until cleared.
        self._spent = []
        self._lock = threading.Lock()

    def add(self, fault):
        with self._lock:
            self._faults.append(fault)

    def take(self, target, method=None):
        """Return the first request fault hitting ``target``, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == 'down' or not fault.matches(target, method):
                    continue
                if fault.passes:
                    fault.passes -= 1
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                        if fault.kind == 'blackhole':
                            self._spent.append(fault)
                return fault
        return None

    def clear(self):
        with self._lock:
            faults = self._faults + self._spent
            self._faults, self._spent = [], []
        for fault in faults:
            fault.release()

    def describe(self):
        with self._lock:
            return [fault.describe() for fault in self._faults]
