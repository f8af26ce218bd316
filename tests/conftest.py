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

Import order matters here, so it lives in the one place pytest loads
first:

1. Cinder's test package (``cinder.tests.unit``, imported by the helpers
   ``fake_volume``/``fake_snapshot``) calls ``cinder.monkey_patch.patch()``
   when it is imported. Unless ``OS_CINDER_DISABLE_EVENTLET_PATCHING`` is
   set, that monkey-patches the whole process with eventlet: ``requests``
   and ``urllib3`` imported earlier keep unpatched sockets (Cinder warns
   about urllib3) and the simulator's server threads would become green
   threads. The tests therefore run Cinder with native threads, which
   Cinder supports through that variable; it must be set before anything
   imports ``cinder``.
2. ``cinder.tests.unit`` must also be the first Cinder module imported:
   its ``patch()`` selects oslo.service's threading backend, and any other
   Cinder module that gets there first (the in-tree driver's imports do)
   selects the eventlet backend instead, after which
   importing the test package fails with ``BackendAlreadySelected``.
3. Importing ``cinder.tests.unit`` runs code through eventlet's
   ``import_patched``, which binds modules first imported meanwhile (such
   as ``http.server``) to green copies of ``socketserver`` and
   ``threading``; servers built on them then hang in native threads. The
   standard modules are imported before Cinder so they stay native.
4. Cinder's in-tree driver (``cinder.volume.drivers.lightos``) registers
   the shared ``lightos_*`` options in ``[backend_defaults]`` when it is
   imported, with its own help text. It is imported here, first, so that it
   registers them before this project's driver does in the same process.
"""

import http.server  # noqa: F401
import os
import socketserver  # noqa: F401

os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')

import cinder.tests.unit  # noqa: E402,F401,H306
import cinder.volume.drivers.lightos  # noqa: E402,F401
