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

"""A run that hangs anywhere ends with every thread dumped (tests.watchdog)."""

import os
import subprocess
import sys

import pytest

import tests

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(tests.__file__)))
# Only keeps a regression from hanging this suite; a working watchdog ends
# each run about a second after its hang starts.
_HANG_GUARD = 120

_INI = """[pytest]
timeout = 0.5
timeout_method = signal
watchdog_grace = 0.5
"""

_HANG = """
import threading

import pytest


def hang_forever():
    # Swallows pytest-timeout's exception, as a stuck service stop can.
    while True:
        try:
            threading.Event().wait()
        except BaseException:
            pass

"""

_CASES = {
    # What stalled a release-matrix run: a test fails, and pytest-timeout
    # and pytest's faulthandler plugin cancel their timers before the
    # teardown of its fixtures.
    'failed-test-teardown': """
@pytest.fixture
def service():
    yield
    hang_forever()


def test_fails(service):
    assert False
""",
    # After -x the session's fixtures are torn down outside any test.
    'session-teardown': """
@pytest.fixture(scope='session')
def service():
    yield
    hang_forever()


def test_fails(service):
    assert False


def test_left(service):
    pass
""",
    # A module that never finishes importing.
    'collection': """
hang_forever()
""",
    # A thread nobody stops keeps the interpreter from exiting.
    'interpreter-exit': """
def test_leaves_a_thread():
    threading.Thread(target=hang_forever, daemon=False).start()
""",
}


@pytest.mark.parametrize('case', sorted(_CASES))
def test_a_hang_ends_the_run_with_every_thread_dumped(case, tmp_path):
    (tmp_path / 'pytest.ini').write_text(_INI)
    (tmp_path / 'test_hang.py').write_text(_HANG + _CASES[case])
    env = dict(os.environ, PYTHONPATH=_ROOT)
    try:
        run = subprocess.run(
            [sys.executable, '-m', 'pytest', '-p', 'tests.watchdog',
             '-p', 'no:cacheprovider', '-x', '-q', str(tmp_path)],
            cwd=str(tmp_path), env=env, capture_output=True, text=True,
            timeout=_HANG_GUARD)
    except subprocess.TimeoutExpired as exc:
        pytest.fail('%s: the run was not ended; its output:\n%s' % (
            case, exc.stdout))
    assert run.returncode == 1, run.stdout + run.stderr
    assert 'Timeout (' in run.stderr, run.stderr
    assert 'in hang_forever' in run.stderr, run.stderr
