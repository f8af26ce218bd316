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

"""Client errors -> Cinder exceptions: messages an operator can act on."""

from cinder import exception as cinder_exception
import pytest

from lightos_cinder.api import credentials
from lightos_cinder.api import exception
from lightos_cinder.volume import translate
from tests.unit import fakes


def _raise(translator, error, **ids):
    ids.setdefault('volume_id', 'vol-1')
    ids.setdefault('project', 'tenant-a')
    with translator.translated('extend the volume', uuid='uuid-1', **ids):
        raise error


def test_unauthorized_without_token():
    with pytest.raises(cinder_exception.InvalidAuthKey) as info:
        _raise(translate.Translator(None),
               exception.Unauthorized('GET', '/api/v2/x'))
    assert 'none is configured' in str(info.value)
    assert 'lightos_jwt or lightos_jwt_file' in str(info.value)


def test_unauthorized_with_an_expired_token():
    token = fakes.make_jwt(expires_in=-60)
    source = credentials.TokenSource(value=token)
    with pytest.raises(cinder_exception.InvalidAuthKey) as info:
        _raise(translate.Translator(source),
               exception.Unauthorized('GET', '/api/v2/x'))
    message = str(info.value)
    assert 'expired at' in message and 'lightos_jwt' in message
    assert 'vol-1' in message and 'tenant-a' in message
    assert token not in message


def test_unauthorized_with_a_token_the_cluster_rejects(tmp_path):
    path = tmp_path / 'jwt'
    path.write_text(fakes.make_jwt(expires_in=600))
    source = credentials.TokenSource(path=str(path))
    with pytest.raises(cinder_exception.InvalidAuthKey) as info:
        _raise(translate.Translator(source),
               exception.Unauthorized('GET', '/api/v2/x'))
    assert 'invalid' in str(info.value)
    assert 'lightos_jwt_file %s' % path in str(info.value)


def test_forbidden_names_project_and_roles():
    source = credentials.TokenSource(
        value=fakes.make_jwt(roles=['tenant-b:admin']))
    with pytest.raises(cinder_exception.NotAuthorized) as info:
        _raise(translate.Translator(source),
               exception.Forbidden('POST', '/api/v2/projects/tenant-a'))
    message = str(info.value)
    assert 'lacks access to LightOS project tenant-a' in message
    assert 'tenant-b:admin' in message and 'lightos_jwt' in message


def test_not_found_names_the_cinder_object():
    with pytest.raises(cinder_exception.VolumeNotFound) as info:
        _raise(translate.Translator(), exception.NotFound('GET', '/x'))
    assert 'vol-1' in str(info.value) and 'uuid-1' in str(info.value)
    with pytest.raises(cinder_exception.SnapshotNotFound):
        _raise(translate.Translator(), exception.NotFound('GET', '/x'),
               snapshot_id='snap-1')


def test_other_errors_use_the_requested_class():
    with pytest.raises(cinder_exception.ExtendVolumeError) as info:
        with translate.Translator().translated(
                'extend', volume_id='vol-1', project='p',
                error=cinder_exception.ExtendVolumeError):
            raise exception.WaitTimeout('volume x', 5, 'Updating')
    assert 'Updating' in str(info.value) and 'vol-1' in str(info.value)
    with pytest.raises(cinder_exception.VolumeBackendAPIException):
        _raise(translate.Translator(),
               exception.LightOSConnectionError('GET', '/x', []))


def test_cinder_exceptions_and_bugs_pass_through():
    with pytest.raises(cinder_exception.InvalidVolumeType):
        _raise(translate.Translator(),
               cinder_exception.InvalidVolumeType(reason='x'))
    with pytest.raises(KeyError):
        _raise(translate.Translator(), KeyError('x'))


@pytest.mark.parametrize('error', [
    exception.NotFound('GET', '/x'),
    exception.Unauthorized('GET', '/x'),
    exception.Forbidden('GET', '/x'),
    exception.ServerError('GET', '/x'),
    exception.WaitTimeout('volume x', 5, 'Updating'),
])
def test_an_error_told_without_raising_reads_as_when_raised(error):
    translator = translate.Translator(credentials.TokenSource(
        value=fakes.make_jwt(expires_in=600)))
    ids = {'volume_id': 'vol-1', 'project': 'tenant-a', 'uuid': 'uuid-1'}
    with pytest.raises(cinder_exception.CinderException) as info:
        with translator.translated('extend the volume', **ids):
            raise error
    told = translator.cinder_error(error, 'extend the volume', **ids)
    assert type(told) is type(info.value)
    assert str(told) == str(info.value)
    assert info.value.__cause__ is error
