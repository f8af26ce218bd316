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

"""The JWT wrapper and its file-backed source."""

import datetime
import logging
import os
import pickle

import pytest

from lightos_cinder.api import credentials
from lightos_cinder.api import exception
from tests.unit.fakes import make_jwt
from tests.unit.fakes import write_token

UTC = datetime.timezone.utc


def test_token_repr_and_str_are_masked():
    value = make_jwt()
    token = credentials.Token(value)
    for text in (repr(token), str(token), '%s' % token, '%r' % [token]):
        assert value not in text
        assert value.split('.')[2] not in text
        assert '***' in text


def test_token_strips_trailing_newline():
    value = make_jwt()
    assert credentials.Token(value + '\n').value == value
    assert credentials.Token(value + '\r\n').value == value


@pytest.mark.parametrize('value', ['', '   \n', None, 42])
def test_token_rejects_empty_values(value):
    with pytest.raises(exception.TokenError):
        credentials.Token(value)


@pytest.mark.parametrize('inner', ['\n', '\r', ' ', '\t', '\x00', '\x7f',
                                   '\u00e9'])
def test_token_refuses_characters_a_header_cannot_carry(inner):
    """requests would refuse the header with an error quoting the token."""
    value = make_jwt()
    secret = value.split('.')[2]
    broken = value[:20] + inner + value[20:]
    with pytest.raises(exception.TokenError) as info:
        credentials.Token(broken)
    assert secret not in str(info.value) and value[:20] not in str(
        info.value)


def test_token_cannot_be_pickled():
    with pytest.raises(TypeError):
        pickle.dumps(credentials.Token(make_jwt()))


def test_claims_expiry_and_roles_are_decoded():
    exp = int(datetime.datetime(2031, 5, 4, 3, 2, 1,
                                tzinfo=UTC).timestamp())
    token = credentials.Token(make_jwt(roles=('proj-1:admin',), exp=exp))
    assert token.claims()['sub'] == 'lightos-client'
    assert token.expires_at == datetime.datetime(2031, 5, 4, 3, 2, 1,
                                                 tzinfo=UTC)
    assert token.roles == ('proj-1:admin',)


def test_token_without_exp_or_roles():
    token = credentials.Token(make_jwt(roles=(), exp=None))
    assert token.expires_at is None
    assert token.roles == ()


@pytest.mark.parametrize('value', ['opaque-token', 'a.%%%%.c',
                                   'a.' + 'WzEsMl0' + '.c'])
def test_undecodable_token(value):
    token = credentials.Token(value)
    with pytest.raises(exception.TokenError) as info:
        token.claims()
    assert value not in str(info.value)
    assert token.expires_at is None
    assert token.roles == ()


def test_source_with_value():
    value = make_jwt()
    source = credentials.TokenSource(value=value)
    assert source.get().value == value
    assert source.reload() is False
    assert value not in repr(source)


def test_source_without_token():
    assert credentials.TokenSource().get() is None


def test_file_wins_over_value_and_is_stripped(tmp_path):
    path = tmp_path / 'jwt'
    file_value = make_jwt(roles=('default:admin',))
    write_token(path, file_value + '\n')
    source = credentials.TokenSource(value=make_jwt(), path=str(path))
    assert source.get().value == file_value
    assert source.get().roles == ('default:admin',)


def test_file_is_reread_when_it_changes(tmp_path):
    path = tmp_path / 'jwt'
    first, second = make_jwt(jti='1'), make_jwt(jti='2')
    write_token(path, first)
    source = credentials.TokenSource(path=str(path))
    assert source.get().value == first
    write_token(path, second + '\n')
    assert source.get().value == second


def test_reload_reports_whether_the_token_changed(tmp_path):
    path = tmp_path / 'jwt'
    first = make_jwt(jti='1')
    write_token(path, first)
    source = credentials.TokenSource(path=str(path))
    source.get()
    assert source.reload() is False
    # Same size and a restored mtime: only a forced reload notices.
    second = make_jwt(jti='2')
    assert len(second) == len(first)
    info = os.stat(path)
    path.write_text(second)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert source.reload() is True
    assert source.get().value == second


def test_missing_file_fails_at_setup(tmp_path):
    with pytest.raises(exception.TokenError) as info:
        credentials.TokenSource(path=str(tmp_path / 'absent'))
    assert 'absent' in str(info.value)


def test_empty_file_fails_at_setup(tmp_path):
    path = tmp_path / 'jwt'
    write_token(path, '\n')
    with pytest.raises(exception.TokenError) as info:
        credentials.TokenSource(path=str(path))
    assert 'empty' in str(info.value)


def test_broken_file_keeps_previous_token_and_warns_once(tmp_path, caplog):
    path = tmp_path / 'jwt'
    value = make_jwt()
    write_token(path, value)
    source = credentials.TokenSource(path=str(path))
    assert source.get().value == value
    caplog.set_level(logging.WARNING, logger='lightos_cinder.api.credentials')
    write_token(path, '\n')
    assert source.get().value == value
    assert source.get().value == value
    warnings = [r for r in caplog.records if 'previous token' in r.message]
    assert len(warnings) == 1
    path.unlink()
    assert source.get().value == value
    assert value not in caplog.text


def test_setup_logs_scope_and_expiry_without_the_token(caplog):
    caplog.set_level(logging.DEBUG, logger='lightos_cinder')
    value = make_jwt(roles=('proj-7:admin',), expires_in=30 * 86400)
    credentials.TokenSource(value=value)
    assert 'proj-7:admin' in caplog.text
    assert 'expires at' in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert value not in caplog.text
    assert value.split('.')[2] not in caplog.text


@pytest.mark.parametrize('expires_in,expected', [
    (2 * 86400, 'in less than 7 days'),
    (-60, 'expired at'),
])
def test_expiring_token_warns(caplog, expires_in, expected):
    caplog.set_level(logging.INFO, logger='lightos_cinder')
    value = make_jwt(expires_in=expires_in)
    credentials.TokenSource(value=value)
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert expected in warnings[0]
    assert value not in caplog.text


def test_opaque_token_is_accepted_with_a_warning(caplog):
    caplog.set_level(logging.INFO, logger='lightos_cinder')
    credentials.TokenSource(value='opaque-secret-value')
    assert 'cannot be decoded' in caplog.text
    assert 'opaque-secret-value' not in caplog.text


def test_rotation_logs_new_scope(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger='lightos_cinder')
    path = tmp_path / 'jwt'
    write_token(path, make_jwt(roles=('a:admin',)))
    source = credentials.TokenSource(path=str(path))
    source.get()
    write_token(path, make_jwt(roles=('b:viewer',)))
    source.get()
    assert 'a:admin' in caplog.text and 'b:viewer' in caplog.text


def test_expiry_warning_repeats_daily_while_in_use(caplog):
    caplog.set_level(logging.INFO, logger='lightos_cinder')
    start = datetime.datetime.now(UTC)
    clock = {'now': start}
    value = make_jwt(expires_in=10 * 86400)
    source = credentials.TokenSource(value=value, now=lambda: clock['now'])

    def warnings():
        return [r for r in caplog.records if r.levelno == logging.WARNING]

    assert source.get().value == value
    assert warnings() == []
    clock['now'] = start + datetime.timedelta(days=4)
    source.get()
    source.get()
    assert len(warnings()) == 1
    assert 'in less than 7 days' in warnings()[0].getMessage()
    clock['now'] = start + datetime.timedelta(days=4, hours=12)
    source.get()
    assert len(warnings()) == 1
    clock['now'] = start + datetime.timedelta(days=11)
    source.get()
    assert len(warnings()) == 2
    assert 'expired at' in warnings()[1].getMessage()
    assert value not in caplog.text


@pytest.mark.parametrize('mode,problems', [
    (0o640, []), (0o600, []), (0o400, []),
    (0o644, ['readable by every user']),
    (0o660, ['writable by its group']),
    (0o646, ['readable by every user', 'writable by every user']),
    (0o650, ['executable by group or others']),
])
def test_file_exposure_against_0640(tmp_path, mode, problems):
    path = tmp_path / 'jwt'
    path.write_text('x')
    os.chmod(path, mode)
    seen_mode, seen = credentials.file_exposure(str(path))
    assert seen_mode == mode
    assert len(seen) == len(problems)
    assert all(s.startswith(p) for s, p in zip(seen, problems)), seen


def test_file_readable_by_a_group_the_service_is_not_in(tmp_path):
    path = tmp_path / 'jwt'
    path.write_text('x')
    os.chmod(path, 0o640)
    _mode, problems = credentials.file_exposure(str(path), groups=set())
    assert len(problems) == 1
    assert problems[0].startswith('readable by group ')
    assert problems[0].endswith('which this service is not in')
