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

"""The cinder.conf that the demo's in-process Cinder services read."""

import os

_DEFAULT = """[DEFAULT]
host = %(host)s
enabled_backends = %(backend)s
state_path = %(workdir)s
# No message bus: the demo delivers Cinder's RPC messages in-process.
transport_url = fake:/
log_file = %(log_file)s
debug = True
# Report a driver that cannot start at once instead of retrying it.
reinit_driver_count = 0

[coordination]
backend_url = file://%(locks)s

"""

# What every in-process Cinder here needs besides [DEFAULT]: its own
# database file and lock directory, and no notification bus.
_SHARED = """[database]
connection = sqlite:///%(database)s

[oslo_concurrency]
lock_path = %(locks)s

[oslo_messaging_notifications]
driver = noop

"""


def lock_path(workdir):
    """Create and return the lock directory of the services in workdir."""
    locks = os.path.join(workdir, 'locks')
    os.makedirs(locks, exist_ok=True)
    return locks


def shared_sections(database, locks):
    """The sections after [DEFAULT] that do not depend on the backends."""
    return _SHARED % {'database': database, 'locks': locks}


def write_private(workdir, text):
    """Write ``text`` as workdir/cinder.conf; return its path.

    Backend sections may hold a token or name a token file: the file is
    readable by the owner only.
    """
    path = os.path.join(workdir, 'cinder.conf')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)
    return path


def write(workdir, host, backend, backend_section):
    """Write cinder.conf into ``workdir``; return (path, log file path)."""
    locks = lock_path(workdir)
    log_file = os.path.join(workdir, 'cinder.log')
    text = _DEFAULT % {
        'host': host, 'backend': backend, 'workdir': workdir,
        'log_file': log_file, 'locks': locks,
    } + shared_sections(os.path.join(workdir, 'cinder.sqlite'),
                        locks) + backend_section
    return write_private(workdir, text), log_file


def set_option(section, name, value):
    """Return the section text with option ``name`` set to ``value``."""
    lines = [line for line in section.splitlines()
             if line.partition('=')[0].strip() != name]
    lines.insert(1, '%s = %s' % (name, value))
    return '\n'.join(lines) + '\n'
