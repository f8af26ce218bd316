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

"""Check that the wheel and sdist install into each release's Cinder venv.

Usage: ``python tools/compat/check_packages.py [--release R ...]`` (or
``tox -e packages -- --release R``; default: every release).

From a clean clone of the repository's HEAD it builds a wheel and an sdist,
then, per release, makes a fresh venv holding that release's Cinder
installed under its upper constraints, and installs the wheel and then the
sdist into it the way an operator would (plain ``pip install``, no
constraints). It fails unless each install adds only this package and
changes no version of anything already installed (so no second Cinder and
no downgrade of a constrained library), and unless the driver then loads
from that venv.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import install  # noqa: E402  (tools/compat/install.py)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# The oldest Python each release supports that this package supports too.
PYTHON = {'2025.1': 'python3.10', '2025.2': 'python3.10',
          '2026.1': 'python3.10', '2026.2': 'python3.11'}
PROJECT = install.PROJECT
_LOAD_DRIVER = ('from lightos_cinder import driver; '
                'import cinder.version as v; '
                'print(driver.LightOSVolumeDriver.__name__, '
                'v.version_info.release_string())')


def _run(cmd, **kwargs):
    print('+ %s' % ' '.join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def _build(workdir):
    """Build the wheel and sdist from a clean clone; return their paths."""
    clone = os.path.join(workdir, 'clone')
    _run(['git', 'clone', '-q', REPO, clone])
    dist = os.path.join(workdir, 'dist')
    _run([sys.executable, '-m', 'build', '--sdist', '--wheel',
          '--outdir', dist, clone], stdout=subprocess.DEVNULL)
    wheel, = glob.glob(os.path.join(dist, '*.whl'))
    sdist, = glob.glob(os.path.join(dist, '*.tar.gz'))
    return wheel, sdist


def _installed(python):
    out = subprocess.run(
        [python, '-m', 'pip', 'list', '--format', 'json'],
        check=True, capture_output=True, text=True).stdout
    return {install.canonical(p['name']): p['version']
            for p in json.loads(out)}


def _compare(before, after, what):
    """Problems: anything but this package added, any version changed."""
    problems = []
    for name, version in sorted(before.items()):
        if after.get(name) != version:
            problems.append('%s changed %s %s -> %s' % (
                what, name, version, after.get(name, 'removed')))
    for name in sorted(set(after) - set(before) - {PROJECT}):
        problems.append('%s added %s %s' % (what, name, after[name]))
    if PROJECT not in after:
        problems.append('%s did not install %s' % (what, PROJECT))
    return problems


def _check_release(release, wheel, sdist, workdir):
    base = shutil.which(PYTHON[release])
    if base is None:
        return ['%s is not on PATH: install it (e.g. with pyenv) to check '
                '%s' % (PYTHON[release], release)]
    venv = os.path.join(workdir, 'venv-%s' % release)
    _run([base, '-m', 'venv', venv])
    python = os.path.join(venv, 'bin', 'python')
    _run([python, '-m', 'pip', 'install', '-q', '--upgrade', 'pip'])
    _run([python, os.path.join(os.path.dirname(__file__), 'install.py'),
          release, '-q', install.cinder_requirement(release)])
    problems = []
    for artifact in (wheel, sdist):
        what = os.path.basename(artifact)
        before = _installed(python)
        _run([python, '-m', 'pip', 'install', '-q', artifact])
        problems += _compare(before, _installed(python), what)
        _run([python, '-c', _LOAD_DRIVER])
        _run([python, '-m', 'pip', 'uninstall', '-q', '-y', PROJECT])
    return ['%s: %s' % (release, p) for p in problems]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--release', action='append',
                        choices=sorted(PYTHON),
                        help='a release to check (repeatable; default all)')
    args = parser.parse_args(argv)
    problems = []
    with tempfile.TemporaryDirectory(prefix='lightos-packages-') as workdir:
        wheel, sdist = _build(workdir)
        for release in args.release or sorted(PYTHON):
            problems += _check_release(release, wheel, sdist, workdir)
    for problem in problems:
        print('FAIL %s' % problem)
    if not problems:
        print('OK: %s and %s install cleanly into %s' % (
            os.path.basename(wheel), os.path.basename(sdist),
            ', '.join(args.release or sorted(PYTHON))))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
