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

"""check-config against broken configurations, beside cinder-volume's view.

Each row breaks one thing in an otherwise working configuration. The same
files are given to check-config and to a process that starts the backend
as cinder-volume does (``volume_service``); check-config must report the
problem as one FAIL line with the fix, never a traceback, and say what the
service says when the service refuses to start, or catch what the service
silently ignores.
"""

import json
import os
import subprocess
import sys

import pytest

from lightos_cinder.cmd import main as cmd_main

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
DRIVER = 'lightos_cinder.driver.LightOSVolumeDriver'


def _replace(option, value):
    """An edit setting ``option`` of the backend section (None: remove)."""
    def edit(files, sim):
        lines = [line for line in files['cinder.conf'].splitlines()
                 if not line.startswith(option + ' =')]
        if value is not None:
            lines.insert(lines.index('[lightos]') + 1,
                         '%s = %s' % (option, value))
        files['cinder.conf'] = '\n'.join(lines) + '\n'
    return edit


def _append(name, text):
    """An edit adding ``text`` to file ``name`` (created when missing)."""
    def edit(files, sim):
        files[name] = files.get(name, '') + text
    return edit


def _rename(old, new):
    def edit(files, sim):
        files['cinder.conf'] = files['cinder.conf'].replace(old, new)
    return edit


def _token(kind):
    def edit(files, sim):
        if kind == 'expired':
            value = sim.mint_token(expires_in=-60)
        else:
            value = 'not-a-jwt'
        _replace('lightos_jwt_file', None)(files, sim)
        _replace('lightos_jwt', value)(files, sim)
    return edit


def _both(*edits):
    def edit(files, sim):
        for one in edits:
            one(files, sim)
    return edit


def _set(case_id, option, value, phrase=None, outcome='refuses'):
    """A row setting ``option`` in [lightos] (``value`` None: removing it).

    Without a ``phrase`` the FAIL line must call the value not valid.
    """
    return (case_id, _replace(option, value),
            phrase or '%s in [lightos] is not valid' % option, outcome)


REPLICAS = 'lightos_default_num_replicas'
# (id, edit, phrase check-config's FAIL line holds, service outcome)
# The service outcome is 'refuses' (the service does not start the
# backend and check-config repeats its reason), 'later' (the service starts
# and fails when an operation first reads the option), 'ignores' (the
# service starts, silently not doing what the file says) or 'not-started'
# (the service does not start the backend and says nothing about it) or
# 'default-driver' (the service runs Cinder's default LVM driver, which
# fails on a host without its volume group).
CASES = [
    _set('replicas-4', REPLICAS, '4'),
    _set('replicas-0', REPLICAS, '0', 'set it to a whole number from 1 to 3'),
    _set('replicas-word', REPLICAS, 'three',
         'set it to a whole number from 1 to 3'),
    _set('port-junk', 'lightos_api_port', '34729x'),
    _set('port-range', 'lightos_api_port', '70000',
         'set it to a whole number from 0 to 65535'),
    _set('address-hostname', 'lightos_api_address', 'lightos1.example.com',
         'host names go in lightos_api_hostnames'),
    _set('address-missing', 'lightos_api_address', None,
         'option lightos_api_address: list the IP addresses'),
    _set('hostnames-bad', 'lightos_api_hostnames', 'bad host!'),
    _set('ca-missing', 'driver_ssl_cert_path', '/nonexistent/ca.pem',
         'the CA bundle is not a readable file'),
    _set('verify-word', 'driver_ssl_cert_verify', 'perhaps',
         'set it to true or false'),
    _set('jwt-file-missing', 'lightos_jwt_file', '/nonexistent/jwt',
         'lightos_jwt_file'),
    ('jwt-garbage', _token('garbage'), 'lightos_jwt', 'refuses'),
    ('jwt-expired', _token('expired'), 'expired at', 'refuses'),
    _set('timeout-word', 'lightos_api_service_timeout', 'soon'),
    _set('connect-timeout-zero', 'lightos_api_connect_timeout', '0',
         'set it to a number of at least 0.1'),
    _set('ipacl-word', 'lightos_use_ipacl', 'sometimes', outcome='later'),
    _set('project-files-no-colon', 'lightos_project_jwt_files', 'tenant-a',
         'set it to comma-separated key:value pairs'),
    _set('project-file-missing', 'lightos_project_jwt_files',
         'tenant-a:/nonexistent/a.jwt', 'lightos_project_jwt_files'),
    _set('refresh-negative', 'lightos_node_refresh_interval', '-1'),
    ('defaults-replicas-4', _both(
        _replace(REPLICAS, None),
        _append('cinder.conf', '[backend_defaults]\n'
                'lightos_default_num_replicas = 4\n')),
     'lightos_default_num_replicas in [backend_defaults] is not valid',
     'refuses'),
    ('conf-d-bad-port', _append('cinder.conf.d/lightos.conf',
                                '[lightos]\nlightos_api_port = https\n'),
     'lightos_api_port in [lightos] is not valid', 'refuses'),
    ('second-file-bad-replicas', _append('extra.conf', '[lightos]\n'
                                         'lightos_default_num_replicas = '
                                         '9\n'),
     'lightos_default_num_replicas in [lightos] is not valid', 'refuses'),
    _set('driver-typo', 'volume_driver', DRIVER[:-1], 'cannot be imported'),
    _set('option-typo', 'lightos_api_adress', '127.0.0.1',
         'did you mean lightos_api_address?', 'ignores'),
    _set('replicas-typo', 'lightos_default_num_replica', '2',
         'did you mean lightos_default_num_replicas?', 'ignores'),
    ('defaults-typo', _append('cinder.conf', '[backend_defaults]\n'
                              'lightos_jwt_fil = /etc/cinder/jwt\n'),
     'did you mean lightos_jwt_file?', 'ignores'),
    ('option-in-default', _rename('[DEFAULT]\n', '[DEFAULT]\n'
                                  'lightos_use_ipacl = false\n'),
     'lightos_use_ipacl is in [DEFAULT]', 'ignores'),
    ('not-enabled', _rename('enabled_backends = lightos',
                            'enabled_backends = other'),
     'does not list lightos', 'not-started'),
    ('no-enabled-backends', _rename('enabled_backends = lightos\n', ''),
     'enabled_backends = (unset) does not list lightos', 'not-started'),
    ('section-typo', _rename('[lightos]', '[lightso]'),
     'no [lightos] section', 'default-driver'),
]


def _write(tmp_path, sim, case_id, edit):
    base = tmp_path / case_id
    files = {'cinder.conf': '[DEFAULT]\nenabled_backends = lightos\n\n' +
             sim.cinder_conf('lightos')}
    edit(files, sim)
    args = []
    for name in sorted(files, key=lambda n: n != 'cinder.conf'):
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[name])
        if os.path.dirname(name):
            if ['--config-dir', str(path.parent)] != args[-2:]:
                args += ['--config-dir', str(path.parent)]
        else:
            args += ['--config-file', str(path)]
    return args


@pytest.fixture(scope='module')
def broken(simulator, tmp_path_factory):
    """``{case id: (args, service outcome)}`` of every row, started once."""
    tmp_path = tmp_path_factory.mktemp('broken')
    simulator.clear_faults()
    jobs = {case_id: _write(tmp_path, simulator, case_id, edit)
            for case_id, edit, _phrase, _outcome in CASES}
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONWARNINGS='ignore')
    done = subprocess.run(
        [sys.executable, '-m', 'tests.functional.checkconfig.volume_service'],
        input=json.dumps([{'args': args, 'backend': 'lightos'}
                          for args in jobs.values()]),
        capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    outcomes = json.loads(done.stdout)
    return {case_id: (args, outcome) for (case_id, args), outcome in zip(
        jobs.items(), outcomes)}


def test_there_are_enough_rows():
    assert len(CASES) >= 25
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize('case_id,phrase,expected', [
    (case_id, phrase, outcome) for case_id, _e, phrase, outcome in CASES])
def test_check_config_agrees_with_the_volume_service(
        broken, capsys, case_id, phrase, expected):
    args, service = broken[case_id]
    status = cmd_main.main(['check-config', '--backend', 'lightos'] + args)
    out = capsys.readouterr().out
    failures = [line for line in out.splitlines()
                if line.startswith('[FAIL]')]
    assert status == 1, out
    assert 'Traceback' not in out
    assert len(failures) == 1, out
    assert phrase in failures[0], out
    if expected == 'refuses':
        assert not service['started'], service
        message = service['message']
        if service['error'] == 'InvalidConfigurationValue':
            # The driver's own start-up check: the same words.
            assert message.split(': ', 1)[-1] in failures[0], (
                service, out)
        elif service['error'] == 'ConfigFileValueError':
            detail = message.rsplit('is not valid: ', 1)[-1]
            assert '(%s)' % detail in failures[0], (service, out)
        elif service['error'] in ('ImportError', 'ModuleNotFoundError',
                                  'AttributeError'):
            assert 'volume_driver' in failures[0]
        else:
            assert service['error'] in (
                'NoSuchOptError', 'ConfigFileValueError'), service
    elif expected == 'default-driver':
        assert service['error'] == 'ProcessExecutionError', service
    elif expected == 'later':
        assert service['started'], service
        option = phrase.split()[0]
        assert service['unreadable'] == [option], service
    elif expected == 'ignores':
        assert service['started'] and not service['unreadable'], service
    else:
        assert service == {'started': False, 'error': 'NotEnabled',
                           'message': 'not in enabled_backends'}
