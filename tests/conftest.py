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

"""Process-wide test setup; it runs before any test module is imported.

1. The tests run Cinder on native threads, never eventlet (as the demo
   does, see ``lightos_cinder.compat.use_native_threads``): the simulator
   serves HTTPS from threads of this process, and pytest's plugins have
   imported urllib3 and the standard library's servers long before any
   Cinder module loads. Patching late is what eventlet warns against: on
   Cinder 2025.1 (whose ``cinder.tests.unit`` patches unconditionally) the
   simulator's server thread became a green thread spinning in the native
   ``poll`` that ``socketserver`` had bound at import, so it never yielded
   and the test waiting for its reply hung. So nothing here imports
   ``cinder.tests.unit`` (``tests/functional/cinder_objects.py`` builds
   the Cinder objects), and a process found patched after collection
   stops the run with the culprit named.
2. Cinder's in-tree driver (``cinder.volume.drivers.lightos``) registers
   the shared ``lightos_*`` options in ``[backend_defaults]`` when it is
   imported, with its own help text. It is imported here, first, so that it
   registers them before this project's driver does in the same process.
3. A hung test must fail with a traceback: pytest-timeout (``signal``
   method, see tox.ini) raises in the main thread, and ``tests.watchdog``
   dumps every thread and ends the process where that cannot help (a
   starved main thread, a failed test's teardown, the session's fixtures,
   the interpreter's exit).
"""

import pytest

from lightos_cinder import compat

compat.use_native_threads()

from cinder import objects  # noqa: E402
import cinder.volume.drivers.lightos  # noqa: E402,F401
from tests import watchdog  # noqa: E402

objects.register_all()


def pytest_configure(config):
    config.pluginmanager.register(watchdog, 'lightos-watchdog')


def pytest_collection_finish(session):
    if compat.is_monkey_patched():
        raise pytest.UsageError(
            'eventlet monkey-patched the test process while the tests were '
            'collected (cinder.tests.unit does that on Cinder 2025.1 to '
            '2026.1): build Cinder objects with tests/functional/'
            'cinder_objects.py instead of importing cinder.tests.unit')
