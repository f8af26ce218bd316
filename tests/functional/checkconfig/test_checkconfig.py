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

import sqlite3

import trustme

from lightos_cinder.cmd import main as cmd_main


def _conf(tmp_path, sim, extra='', database=None):
    text = sim.cinder_conf('lightos') + extra
    if database:
        text += '\n[database]\nconnection = sqlite:///%s\n' % database
    path = tmp_path / 'cinder.conf'
    path.write_text(text)
    return str(path)


def _run(capsys, path, *args):
    status = cmd_main.main(['check-config', '--config-file', path,
                            '--backend', 'lightos'] + list(args))
    return status, capsys.readouterr().out


def _types_db(tmp_path, types):
    path = tmp_path / 'cinder.sqlite'
    db = sqlite3.connect(str(path))
    db.execute('CREATE TABLE volume_types (id TEXT, name TEXT, '
               'deleted INTEGER)')
    db.execute('CREATE TABLE volume_type_extra_specs (volume_type_id TEXT, '
               'key TEXT, value TEXT, deleted INTEGER)')
    for index, (name, backend, project) in enumerate(types):
        db.execute('INSERT INTO volume_types VALUES (?, ?, 0)',
                   (str(index), name))
        db.execute('INSERT INTO volume_type_extra_specs VALUES '
                   "(?, 'volume_backend_name', ?, 0)", (str(index), backend))
        if project:
            db.execute('INSERT INTO volume_type_extra_specs VALUES '
                       "(?, 'lightos:project_name', ?, 0)",
                       (str(index), project))
    db.commit()
    db.close()
    return str(path)


def test_a_healthy_backend_passes(sim, tmp_path, capsys):
    sim.create_project('tenant-a')
    database = _types_db(tmp_path, [('gold', 'lightos', 'tenant-a'),
                                    ('bronze', 'lightos', None),
                                    ('other', 'elsewhere', 'nope')])
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
    assert 'nope' not in out
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
    assert '[FAIL] endpoint   https://%s:%d' % (sim.addresses[1],
                                                sim.port) in out
    assert 'no [database] connection' in out
    assert '[FAIL] project    missing does not exist' in out
    assert ('[FAIL] project    tenant-b: the token '
            '(lightos_project_jwts[tenant-b], roles tenant-a:admin) may not '
            'use it') in out
    assert token not in out
    assert out.rstrip().endswith('FAILED: 3 check(s) failed')


def test_expired_token_and_untrusted_certificate(sim, tmp_path, capsys):
    expired = sim.mint_token(expires_in=-60)
    path = _conf(tmp_path, sim)
    text = open(path).read().replace('lightos_jwt_file', '#') + (
        'lightos_jwt = %s\n' % expired)
    other_ca = tmp_path / 'other-ca.pem'
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    text = text.replace('driver_ssl_cert_path = %s' % sim.ca_path,
                        'driver_ssl_cert_path = %s' % other_ca)
    open(path, 'w').write(text)
    status, out = _run(capsys, path)
    assert status == 1
    assert '[FAIL] token      default (lightos_jwt) expired at' in out
    assert 'CERTIFICATE_VERIFY_FAILED' in out
    assert 'set driver_ssl_cert_path to the CA bundle' in out
    assert expired not in out


def test_missing_section(tmp_path, capsys):
    path = tmp_path / 'cinder.conf'
    path.write_text('[DEFAULT]\n')
    status, out = _run(capsys, str(path))
    assert status == 1
    assert 'sets neither lightos_api_address nor lightos_api_hostnames' in (
        out)
