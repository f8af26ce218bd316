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

"""``lightos-cinder check-config`` against the simulator."""

import os
import shutil
import subprocess
import sys
import uuid

from cinder.db import migration
import pytest
import sqlalchemy
import trustme

from lightos_cinder.cmd import main as cmd_main
from lightos_cinder import compat
from lightos_cinder.simulator import auth


def _conf(tmp_path, sim, extra='', database=None):
    text = ('[DEFAULT]\nenabled_backends = lightos\n\n' +
            sim.cinder_conf('lightos') + extra)
    if database:
        text += '\n[database]\nconnection = sqlite:///%s\n' % database
    path = tmp_path / 'cinder.conf'
    path.write_text(text)
    return str(path)


def _conf_with_jwt(tmp_path, sim, token):
    """A cinder.conf whose backend carries ``token`` inline, not a file."""
    path = _conf(tmp_path, sim)
    text = open(path).read().replace('lightos_jwt_file', '#') + (
        'lightos_jwt = %s\n' % token)
    open(path, 'w').write(text)
    return path


def _run(capsys, path, *args):
    status = cmd_main.main(['check-config', '--config-file', path,
                            '--backend', 'lightos'] + list(args))
    return status, capsys.readouterr().out


@pytest.fixture(scope='module')
def cinder_schema(tmp_path_factory):
    """An empty Cinder database made by Cinder's own migrations."""
    path = tmp_path_factory.mktemp('cinder-db') / 'schema.sqlite'
    engine = sqlalchemy.create_engine('sqlite:///%s' % path)
    try:
        migration.db_sync(engine=engine)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def types_db(cinder_schema, tmp_path):
    """``make(types)``: a copy of the schema holding volume types.

    ``types`` are ``(name, extra specs, QoS specs or None)``; a deleted
    type (name starting with ``deleted-``) is soft-deleted as Cinder does.
    """
    def make(types):
        path = tmp_path / 'cinder.sqlite'
        shutil.copy(str(cinder_schema), str(path))
        engine = sqlalchemy.create_engine('sqlite:///%s' % path)
        tables = compat.cinder_db_models().BASE.metadata.tables
        with engine.begin() as db:
            for name, extra, qos_specs in types:
                type_id, qos_id = str(uuid.uuid4()), None
                if qos_specs is not None:
                    qos_id = str(uuid.uuid4())
                    db.execute(tables['quality_of_service_specs'].insert(),
                               [{'id': qos_id, 'key': 'QoS_Specs_Name',
                                 'value': 'qos-' + name, 'deleted': False}])
                    db.execute(tables['quality_of_service_specs'].insert(),
                               [{'id': str(uuid.uuid4()), 'specs_id': qos_id,
                                 'key': key, 'value': value,
                                 'deleted': False}
                                for key, value in qos_specs.items()])
                db.execute(tables['volume_types'].insert(), [{
                    'id': type_id, 'name': name, 'qos_specs_id': qos_id,
                    'deleted': name.startswith('deleted-')}])
                db.execute(tables['volume_type_extra_specs'].insert(), [
                    {'volume_type_id': type_id, 'key': key, 'value': value,
                     'deleted': False} for key, value in extra.items()])
        engine.dispose()
        return str(path)
    return make


def _typed(name, project=None, backend='lightos', **extra):
    specs = {'volume_backend_name': backend}
    if project:
        specs['lightos:project_name'] = project
    specs.update(extra)
    return (name, specs, None)


def test_a_healthy_backend_passes(sim, tmp_path, capsys, types_db):
    sim.create_project('tenant-a')
    database = types_db([_typed('gold', 'tenant-a'), _typed('bronze'),
                         _typed('other', 'nope', backend='elsewhere'),
                         _typed('deleted-x', 'gone')])
    status, out = _run(capsys, _conf(tmp_path, sim, database=database))
    assert status == 0, out
    assert out.count('[PASS] endpoint') == 3
    assert 'TLS verified against %s' % sim.ca_path in out
    assert 'roles system:cluster-admin' in out
    assert 'subsystem NQN nqn.' in out
    assert '3 nodes, all Active' in out
    assert '[PASS] capacity' in out
    assert '[PASS] project    tenant-a (volume types gold) is accessible' in (
        out)
    assert '[PASS] project    default (volume types bronze)' in out
    assert 'nope' not in out and 'gone' not in out
    assert ('[PASS] type       gold: project tenant-a, 3 replica(s), '
            "compression off, QoS policy the project's default") in out
    assert out.rstrip().endswith('OK: 0 check(s) failed')
    assert sim.system_token not in out


def test_failures_are_reported_and_exit_non_zero(sim, tmp_path, capsys):
    sim.create_project('tenant-a')
    sim.set_fault(1, 'down')
    token = sim.mint_token(roles=('tenant-a:admin',))
    extra = 'lightos_project_jwts = tenant-b:%s\n' % token
    status, out = _run(capsys, _conf(tmp_path, sim, extra), '--project',
                       'missing')
    assert status == 1
    assert out.count('[PASS] endpoint') == 2
    assert '[FAIL] endpoint   %s port %d: connection refused' % (
        sim.addresses[1], sim.port) in out
    assert 'no [database] connection in the file; volume types are not ' in (
        out)
    assert '[FAIL] project    missing does not exist' in out
    assert ('[FAIL] project    tenant-b: the token '
            '(lightos_project_jwts[tenant-b], roles tenant-a:admin) may not '
            'use it') in out
    assert token not in out
    assert out.rstrip().endswith('FAILED: 3 check(s) failed')


def test_expired_token(sim, tmp_path, capsys):
    expired = sim.mint_token(expires_in=-60)
    status, out = _run(capsys, _conf_with_jwt(tmp_path, sim, expired))
    assert status == 1
    assert ("[FAIL] config     Invalid value '***' for option lightos_jwt: "
            'the JWT expired at') in out
    assert expired not in out


def test_untrusted_certificate(sim, tmp_path, capsys):
    path = _conf(tmp_path, sim)
    text = open(path).read()
    other_ca = tmp_path / 'other-ca.pem'
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    text = text.replace('driver_ssl_cert_path = %s' % sim.ca_path,
                        'driver_ssl_cert_path = %s' % other_ca)
    open(path, 'w').write(text)
    status, out = _run(capsys, path)
    assert status == 1
    assert 'CERTIFICATE_VERIFY_FAILED' in out
    assert 'set driver_ssl_cert_path to the CA bundle' in out


def test_missing_section(tmp_path, capsys):
    path = tmp_path / 'cinder.conf'
    path.write_text('[DEFAULT]\n')
    status, out = _run(capsys, str(path))
    assert status == 1
    assert 'no [lightos] section in %s; add the backend section' % path in (
        out)


def test_every_volume_type_is_checked_as_create_checks_it(
        sim, tmp_path, capsys, types_db):
    sim.create_project('tenant-a')
    slow = sim.create_qos_policy('slow')
    missing = str(uuid.uuid4())
    database = types_db([
        _typed('gold', 'tenant-a', **{'lightos:num_replicas': '2',
                                      'compression': '<is> True',
                                      'lightos:qos_policy': slow}),
        _typed('five', **{'lightos:num_replicas': '5'}),
        _typed('ture', **{'compression': '<is> Ture'}),
        _typed('typo', **{'lightos:projectname': 'tenant-a'}),
        _typed('replica', **{'lightos:num_replica': '2'}),
        _typed('nopolicy', **{'lightos:qos_policy': missing}),
        ('limits', {'volume_backend_name': 'lightos'},
         {'consumer': 'back-end', 'read_iops_sec': '7',
          'write_iops_sec': '9'}),
    ])
    status, out = _run(capsys, _conf(tmp_path, sim, database=database))
    assert status == 1
    failures = [line for line in out.splitlines()
                if line.startswith('[FAIL] type')]
    expected = {
        'five': 'extra spec lightos:num_replicas=\'5\' is out of range',
        'ture': "extra spec compression='<is> Ture' is not a boolean",
        'typo': 'did you mean lightos:project_name?',
        'replica': 'did you mean lightos:num_replicas?',
        'nopolicy': 'QoS policy %s does not exist on the cluster' % missing,
        'limits': 'match no LightOS QoS policy',
    }
    assert len(failures) == len(expected), out
    for name, problem in expected.items():
        line = [f for f in failures if f.startswith(
            '[FAIL] type       %s: ' % name)]
        assert line and problem in line[0], (name, out)
    assert ('[PASS] type       gold: project tenant-a, 2 replica(s), '
            'compression on, QoS policy %s' % slow) in out
    assert out.rstrip().endswith('FAILED: 6 check(s) failed')


def _failures(out):
    return [line for line in out.splitlines() if line.startswith('[FAIL]')]


def test_one_wrong_port_is_one_failure(sim, tmp_path, capsys):
    path = _conf(tmp_path, sim)
    text = open(path).read().replace('lightos_api_port = %d' % sim.port,
                                     'lightos_api_port = 1')
    open(path, 'w').write(text)
    status, out = _run(capsys, path)
    assert status == 1
    failures = _failures(out)
    assert len(failures) == 1, out
    assert 'nothing accepts connections on port 1 ' in failures[0]
    assert 'check lightos_api_port' in failures[0]


def test_untrusted_certificate_is_named_as_such(sim, tmp_path, capsys):
    path = _conf(tmp_path, sim)
    other_ca = tmp_path / 'other-ca.pem'
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    text = open(path).read().replace(sim.ca_path, str(other_ca))
    open(path, 'w').write(text)
    status, out = _run(capsys, path)
    failures = _failures(out)
    assert status == 1 and len(failures) == 1, out
    assert 'its TLS certificate is not trusted' in failures[0]
    assert 'set driver_ssl_cert_path to the CA bundle' in failures[0]
    assert 'check lightos_api_port' not in out


def test_token_of_an_unknown_key_is_not_a_pass(sim, tmp_path, capsys):
    rogue = auth.mint(auth.generate_key(), 'system:rogue',
                      (auth.SYSTEM_ADMIN_ROLE,))
    status, out = _run(capsys, _conf_with_jwt(tmp_path, sim, rogue))
    assert status == 1
    assert '[PASS] token' not in out
    failures = _failures(out)
    assert len(failures) == 1, out
    assert failures[0].startswith(
        '[FAIL] token      default (lightos_jwt, roles system:cluster-admin) '
        'is refused by the cluster (')
    assert 'unknown key id system:rogue' in failures[0]
    assert rogue not in out


def test_command_output_has_no_library_warnings(sim, tmp_path):
    path = _conf(tmp_path, sim)
    text = open(path).read().replace('driver_ssl_cert_verify = True',
                                     'driver_ssl_cert_verify = False')
    open(path, 'w').write(text)
    env = dict(os.environ)
    env.pop('PYTHONWARNINGS', None)
    done = subprocess.run(
        [sys.executable, '-m', 'lightos_cinder.cmd.main', 'check-config',
         '--config-file', path], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    both = done.stdout + done.stderr
    assert 'Eventlet is deprecated' not in both
    assert 'InsecureRequestWarning' not in both
    assert both.count('NOT verified') == 1, both
    assert done.stderr == ''


def test_a_node_in_maintenance_is_a_warning(sim, tmp_path, capsys,
                                            types_db):
    database = types_db([_typed('gold', **{'lightos:num_replicas': '3'})])
    sim.set_node_state(2, 'Inactive')
    try:
        status, out = _run(capsys, _conf(tmp_path, sim, database=database))
    finally:
        sim.set_node_state(2, 'Active')
    assert status == 0, out
    assert '[WARN] nodes      3 nodes; not Active: ' in out
    assert ('[WARN] replicas   the cluster can place at most 2 replicas '
            'now; the service starts') in out
    assert '[PASS] type       gold: project default, 3 replica(s)' in out
    assert '[PASS] setup      the driver starts' in out


def test_an_exposed_token_file_is_a_warning(sim, tmp_path, capsys):
    token_file = tmp_path / 'exposed.jwt'
    shutil.copyfile(sim.token_path, token_file)
    os.chmod(token_file, 0o644)
    path = _conf(tmp_path, sim)
    text = open(path).read().replace(sim.token_path, str(token_file))
    open(path, 'w').write(text)
    status, out = _run(capsys, path)
    assert status == 0, out
    assert ('[WARN] token      JWT file %s (lightos_jwt_file) has mode 0644: '
            'readable by every user' % token_file) in out
    assert 'chmod 0640 %s' % token_file in out
    assert sim.system_token not in out


def test_cinder_db_names_the_database(sim, tmp_path, capsys, types_db):
    database = types_db([_typed('five', **{'lightos:num_replicas': '5'})])
    status, out = _run(capsys, _conf(tmp_path, sim), '--cinder-db',
                       'sqlite:///%s' % database)
    assert status == 1
    assert "[FAIL] type       five: Invalid volume type: extra spec " in out
    assert 'no [database] connection' not in out
