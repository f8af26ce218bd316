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


"""The lightos-cinder command: lazy sub-commands, version, sample config."""

import subprocess
import sys

import pytest

import lightos_cinder
from lightos_cinder.cmd import main as cmd_main
from lightos_cinder import driver

# Prints the top-level packages of the given names that running the command
# with the remaining arguments imported.
_PROBE = '''
import sys
from lightos_cinder.cmd import main
try:
    main.main(sys.argv[1:])
except SystemExit:
    pass
print(sorted({name.split('.')[0] for name in sys.modules
              if name.split('.')[0] in ('cinder', 'eventlet', 'os_brick')}))
'''


def _imported_by(*args):
    result = subprocess.run([sys.executable, '-c', _PROBE] + list(args),
                            capture_output=True, text=True, timeout=120,
                            check=True)
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize('args', [
    ('simulator', '--help'),
    ('--version',),
    ('sample-config', '--help'),
    ('--help',),
])
def test_command_does_not_import_cinder(args):
    assert _imported_by(*args) == '[]'


def test_check_config_still_loads_cinder():
    # The probe is able to see Cinder when a sub-command does import it.
    assert 'cinder' in _imported_by('check-config', '--help')


# Runs the command with the arguments after the first, as if the module
# named first were not installed.
_WITHOUT = '''
import sys
sys.modules[sys.argv[1]] = None
from lightos_cinder.cmd import main
sys.exit(main.main(sys.argv[2:]))
'''


@pytest.mark.parametrize('missing,args,extra', [
    ('jwt', ('simulator', '--help'), 'simulator'),
    ('cryptography', ('simulator', '--help'), 'simulator'),
    ('cinder', ('check-config', '--help'), 'cinder'),
])
def test_a_missing_extra_is_named(missing, args, extra):
    result = subprocess.run([sys.executable, '-c', _WITHOUT, missing] +
                            list(args), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert 'Traceback' not in result.stderr
    assert ('needs the Python module %s, which is not installed: '
            'pip install "lightos-cinder[%s]"' % (missing, extra)
            in result.stderr)


def test_version_names_the_package_and_the_driver(capsys):
    with pytest.raises(SystemExit):
        cmd_main.main(['--version'])
    out = capsys.readouterr().out.strip()
    assert out == 'lightos-cinder %s (driver %s)' % (
        lightos_cinder.__version__, driver.LightOSVolumeDriver.VERSION)


def test_sample_config_is_the_commented_backend_section(tmp_path):
    path = tmp_path / 'lightos.conf.sample'
    assert cmd_main.main(['sample-config', '--output-file', str(path)]) == 0
    text = path.read_text()
    assert text.startswith('# Sample backend section of cinder.conf')
    assert '[backend]' in text
    for line in ('#volume_driver = lightos_cinder.driver.LightOSVolumeDriver',
                 '#volume_backend_name = <None>',
                 '#driver_ssl_cert_verify = false',
                 '#driver_ssl_cert_path = <None>',
                 '#lightos_default_num_replicas = 3',
                 '#lightos_project_jwt_files ='):
        assert line in text, line
    # The secret options show no default value worth leaking.
    assert '#lightos_jwt = <None>' in text
