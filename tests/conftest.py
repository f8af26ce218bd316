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

Two things here depend on import order, so they live in the one place
pytest loads first:

1. Cinder's test package (``cinder.tests.unit``, imported by the helpers
   ``fake_volume``/``fake_snapshot``) calls ``cinder.monkey_patch.patch()``
   when it is imported. Unless ``OS_CINDER_DISABLE_EVENTLET_PATCHING`` is
   set, that monkey-patches the whole process with eventlet: ``requests``
   and ``urllib3`` imported earlier keep unpatched sockets (Cinder warns
   about urllib3) and the simulator's server threads would become green
   threads. The tests therefore run Cinder with native threads, which
   Cinder supports through that variable; it must be set before anything
   imports ``cinder``.
2. Cinder's in-tree driver (``cinder.volume.drivers.lightos``) registers
   the shared ``lightos_*`` options in ``[backend_defaults]`` when it is
   imported, with its own help text. It is imported here, first, so that it
   registers them before this project's driver does in the same process.
"""

import os

os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')

import cinder.volume.drivers.lightos  # noqa: E402,F401,H306
