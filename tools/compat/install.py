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

"""pip install under one OpenStack release's upper constraints.

Usage: ``python tools/compat/install.py RELEASE [pip install arguments]``, as
the ``install_command`` of the ``cinder-<release>`` tox environments and by
``tools/compat/check_packages.py``. The release's constraints file is
copied without this project's own name (a pin of it would fight the
checkout being installed) and passed to ``pip install -c``.
"""

import os
import re
import subprocess
import sys
import tempfile

PROJECT = 'lightos-cinder'
HERE = os.path.dirname(os.path.abspath(__file__))

# The Cinder major version each release series ships.
CINDER_MAJOR = {'2025.1': 26, '2025.2': 27, '2026.1': 28, '2026.2': 29}


def canonical(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def constraints_path(release):
    """The release's upper-constraints file (LIGHTOS_CONSTRAINTS_DIR wins)."""
    if release not in CINDER_MAJOR:
        sys.exit('unknown release %r: choose one of %s'
                 % (release, ', '.join(sorted(CINDER_MAJOR))))
    folder = os.environ.get('LIGHTOS_CONSTRAINTS_DIR') or os.path.join(
        HERE, 'constraints')
    path = os.path.join(folder, 'upper-constraints-%s.txt' % release)
    if not os.path.isfile(path):
        sys.exit('%s is missing: set LIGHTOS_CONSTRAINTS_DIR to a folder '
                 'holding upper-constraints-%s.txt' % (path, release))
    return path


def cinder_requirement(release):
    """The Cinder requirement of the release, e.g. cinder>=26.0.0,<27."""
    major = CINDER_MAJOR[release]
    return 'cinder>=%d.0.0,<%d' % (major, major + 1)


def write_constraints(release, folder):
    """Write the release's constraints minus this project; return the path."""
    kept = []
    with open(constraints_path(release)) as src:
        for line in src:
            name = re.split(r'[=<>!~;\s\[]', line.strip(), maxsplit=1)[0]
            if name and canonical(name) == PROJECT:
                continue
            kept.append(line)
    path = os.path.join(folder, 'constraints-%s.txt' % release)
    with open(path, 'w') as dst:
        dst.writelines(kept)
    return path


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    release, args = argv[0], argv[1:]
    with tempfile.TemporaryDirectory() as folder:
        path = write_constraints(release, folder)
        cmd = [sys.executable, '-m', 'pip', 'install', '-c', path] + args
        return subprocess.call(cmd)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
