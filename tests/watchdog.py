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

"""A pytest plugin that ends a hung run with every thread's stack.

pytest-timeout (``signal`` method) fails a hung test from the main thread,
but it cannot help where that thread never gets back to Python, and both it
and pytest's own faulthandler plugin cancel their timers as soon as a test
fails (``pytest_exception_interact``): the teardown of a failed test, and
of the module and session fixtures that test was the last to use, then ran
with no deadline at all. A fixture that hung there stalled a whole CI run.

So each phase (collection, set-up, call, teardown, the session's final
teardown) arms faulthandler's watchdog, a native thread that needs no GIL,
again when it starts: pytest-timeout's limit plus a grace. It is never
cancelled here; the next phase re-arms it and, after the session, a
shorter deadline covers the end of the run and the interpreter's exit
(joining threads, atexit); a clean exit cancels it. When it fires it
prints every thread and ends the process.
"""

import faulthandler
import os

import pytest

# Seconds past pytest-timeout's limit before the watchdog ends the run.
GRACE = 60

# The real stderr, kept from before any capture: a dump written into a
# test's captured output would be lost with the process.
_stderr = []


def pytest_addoption(parser):
    parser.addini('watchdog_grace', 'seconds past pytest-timeout\'s limit '
                  'before a hung run is ended with every thread dumped',
                  default=str(GRACE))


def pytest_configure(config):
    if not _stderr:
        _stderr.append(os.dup(2))


def _arm(seconds):
    faulthandler.dump_traceback_later(seconds, exit=True, file=_stderr[0])


def _limit(config, item=None):
    """pytest-timeout's limit for ``item`` (or the run's); 0 is none."""
    marker = item and item.get_closest_marker('timeout')
    if marker and marker.args:
        return float(marker.args[0] or 0)
    value = config.getoption('timeout', None)
    if value is None:
        try:
            value = config.getini('timeout')
        except ValueError:
            # pytest-timeout is not loaded (-p no:timeout).
            value = 0
    return float(value or 0)


def _deadline(config, item=None):
    limit = _limit(config, item)
    if not limit:
        return 0
    return limit + float(config.getini('watchdog_grace'))


def _arm_for(config, item=None):
    """Arm the deadline of ``item`` (or the run's); return it, 0 if none."""
    seconds = _deadline(config, item)
    if seconds:
        _arm(seconds)
    return seconds


def _phase(item):
    _arm_for(item.config, item)
    yield


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_collection(session):
    # Importing a test module can hang too (a server started at import).
    _arm_for(session.config)
    yield


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item):
    yield from _phase(item)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_call(item):
    yield from _phase(item)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    yield from _phase(item)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session):
    # Fixtures still set up (after -x, --maxfail or an interrupt) are torn
    # down here, outside any test's phases.
    seconds = _arm_for(session.config)
    yield
    if seconds:
        # The summary, the plugins' unconfigure and the interpreter's exit.
        _arm(float(session.config.getini('watchdog_grace')))
