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

"""The PASS/WARN/FAIL lines of ``lightos-cinder check-config``."""

PASS, WARN, FAIL = 'PASS', 'WARN', 'FAIL'


class Report(object):
    """Collects check results and prints them as they come."""

    def __init__(self, out):
        self._out = out
        self.failed = 0
        self.lines = []

    def add(self, status, check, detail):
        if status == FAIL:
            self.failed += 1
        line = '[%s] %-10s %s' % (status, check, detail)
        self.lines.append(line)
        self._out(line)

    def failures(self):
        return [line for line in self.lines if line.startswith('[FAIL]')]
