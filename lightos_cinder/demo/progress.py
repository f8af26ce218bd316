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

"""Step-by-step progress lines of the demo on a text stream."""

import contextlib
import sys
import time


class StepFailed(Exception):
    """A step ended in a state other than the one the story expects."""


class Step:
    """One running step; result is printed after it when it succeeds."""

    def __init__(self):
        self.result = ''


class Progress:
    """Prints sections and timed steps as the story goes."""

    def __init__(self, stream=None, clock=time.monotonic):
        self._stream = stream or sys.stdout
        self._clock = clock
        self._start = clock()

    @property
    def elapsed(self):
        return self._clock() - self._start

    def say(self, text=''):
        self._stream.write(text + '\n')
        self._stream.flush()

    def section(self, title):
        self.say()
        self.say('== %s' % title)

    def block(self, text, indent='    '):
        for line in text.splitlines():
            self.say(indent + line if line else '')

    @contextlib.contextmanager
    def step(self, text):
        """Print ``text``, run the body, then its result and duration."""
        self._stream.write('  [%6.2fs] %s ... ' % (self.elapsed, text))
        self._stream.flush()
        started = self._clock()
        step = Step()
        try:
            yield step
        except BaseException:
            self.say('FAILED')
            raise
        took = self._clock() - started
        self.say('%s (%.2f s)' % (step.result or 'done', took))
