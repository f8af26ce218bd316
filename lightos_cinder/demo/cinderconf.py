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

_COMMON = """[DEFAULT]
host = %(host)s
enabled_backends = %(backend)s
state_path = %(workdir)s
# No message bus: the demo delivers Cinder's RPC messages in-process.
transport_url = fake:/
log_file = %(log_file)s
debug = True
# Report a driver that cannot start at once instead of retrying it.
reinit_driver_count = 0

[database]
connection = sqlite:///%(database)s

[oslo_concurrency]
lock_path = %(locks)s

[coordination]
backend_url = file://%(locks)s

[oslo_messaging_notifications]
driver = noop

"""


def write(workdir, host, backend, backend_section):
    """Write cinder.conf into ``workdir``; return (path, log file path)."""
    locks = os.path.join(workdir, 'locks')
    os.makedirs(locks, exist_ok=True)
    log_file = os.path.join(workdir, 'cinder.log')
    text = _COMMON % {
        'host': host, 'backend': backend, 'workdir': workdir,
        'log_file': log_file, 'locks': locks,
        'database': os.path.join(workdir, 'cinder.sqlite'),
    } + backend_section
    path = os.path.join(workdir, 'cinder.conf')
    # The backend section may hold a token: readable by the owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)
    return path, log_file


def set_option(section, name, value):
    """Return the section text with option ``name`` set to ``value``."""
    lines = [line for line in section.splitlines()
             if line.partition('=')[0].strip() != name]
    lines.insert(1, '%s = %s' % (name, value))
    return '\n'.join(lines) + '\n'
