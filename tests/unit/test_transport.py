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

"""The REST transport, driven through requests-mock with a fake clock."""

import logging
import os
import types

import pytest
import requests

from lightos_cinder.api import credentials
from lightos_cinder.api import endpoints
from lightos_cinder.api import exception
from lightos_cinder.api import failures
from lightos_cinder.api import transport
from tests.unit.fakes import make_jwt
from tests.unit.fakes import write_token
from tests.unit.transport_helpers import A
from tests.unit.transport_helpers import B
from tests.unit.transport_helpers import C
from tests.unit.transport_helpers import hosts
from tests.unit.transport_helpers import make_transport
from tests.unit.transport_helpers import PATH
from tests.unit.transport_helpers import PORT
from tests.unit.transport_helpers import refused
from tests.unit.transport_helpers import url


# --- URLs -----------------------------------------------------------------

@pytest.mark.parametrize('address,port,expected', [
    ('127.0.0.1', 443, 'https://127.0.0.1:443'),
    ('::1', 443, 'https://[::1]:443'),
    ('[::1]', 8443, 'https://[::1]:8443'),
    ('fd00::a:1', 443, 'https://[fd00::a:1]:443'),
    ('fe80::1%eth0', 443, 'https://[fe80::1%25eth0]:443'),
    ('api.example', 443, 'https://api.example:443'),
])
def test_format_base_url(address, port, expected):
    assert endpoints.format_base_url(address, port) == expected


def test_ipv6_endpoint_is_requested_in_brackets(mock, clock):
    mock.get('https://[::1]:8443/api/v2/version', json={'apiVersion': 'v2'})
    tr = transport.Transport(['::1'], 8443, clock=clock, sleep=clock.sleep)
    assert tr.request('GET', PATH) == {'apiVersion': 'v2'}
    assert mock.last_request.url == 'https://[::1]:8443/api/v2/version'


def test_no_address_is_an_error():
    with pytest.raises(ValueError):
        transport.Transport([], PORT)


# --- request shape --------------------------------------------------------

def test_headers_timeouts_and_verify(mock, clock):
    mock.put(url(A, '/api/v2/x'), json={})
    token_source = credentials.TokenSource(value=make_jwt())
    tr = make_transport(clock, token_source=token_source, verify='/ca.pem')
    tr.request('PUT', '/api/v2/x', body={'a': 1}, if_match='etag-1',
               params={'q': 'v'})
    req = mock.last_request
    assert req.headers['Accept'] == 'application/json'
    assert req.headers['Content-Type'] == 'application/json'
    assert req.headers['Authorization'] == 'Bearer ' + make_jwt()
    assert req.headers['If-Match'] == 'etag-1'
    assert req.headers['X-Request-Id'].startswith('req-')
    assert req.json() == {'a': 1}
    assert req.query == 'q=v'
    assert req.verify == '/ca.pem'
    # Other endpoints are left: wait the hedge delay, not the read timeout.
    assert req.timeout == (3.0, transport.HEDGE_MIN)


def test_redirects_are_not_followed(mock, clock):
    mock.get(url(A), status_code=302,
             headers={'Location': 'https://elsewhere.example/steal'})
    mock.get('https://elsewhere.example/steal', json={})
    with pytest.raises(exception.LightOSAPIError) as info:
        make_transport(clock).request('GET', PATH)
    assert info.value.status == 302
    assert hosts(mock) == [A]


def test_no_token_no_authorization_header(mock, clock):
    mock.get(url(A), json={})
    make_transport(clock).request('GET', PATH)
    assert 'Authorization' not in mock.last_request.headers
    assert 'Content-Type' not in mock.last_request.headers


def test_environment_ca_bundle_does_not_override(mock, clock, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/somewhere/else.pem')
    mock.get(url(A), json={})
    make_transport(clock, verify='/configured.pem').request('GET', PATH)
    assert mock.last_request.verify == '/configured.pem'


@pytest.mark.parametrize('content,expected', [
    (b'', {}),
    (b'  \n', {}),
    (b'{}', {}),
    (b'{"a": [1]}', {'a': [1]}),
])
def test_success_bodies(mock, clock, content, expected):
    mock.get(url(A), content=content)
    assert make_transport(clock).request('GET', PATH) == expected


@pytest.mark.parametrize('content', [b'<html>oops</html>', b'[1, 2]'])
def test_unusable_success_body(mock, clock, content):
    mock.get(url(A), content=content)
    with pytest.raises(exception.LightOSAPIError) as info:
        make_transport(clock).request('GET', PATH)
    assert info.value.status == 200


# --- status table ---------------------------------------------------------

@pytest.mark.parametrize('status,cls', [
    (400, exception.BadRequest),
    (401, exception.Unauthorized),
    (403, exception.Forbidden),
    (404, exception.NotFound),
    (409, exception.Conflict),
    (412, exception.PreconditionFailed),
    (429, exception.ServiceUnavailable),
    (503, exception.ServiceUnavailable),
    (500, exception.ServerError),
    (501, exception.ServerError),
    (502, exception.ServerError),
    (504, exception.ServerError),
    (418, exception.LightOSAPIError),
    (302, exception.LightOSAPIError),
])
def test_status_table(mock, clock, status, cls):
    value = make_jwt()
    mock.delete(url(A, '/api/v2/projects/p/volumes/u'), status_code=status,
                json={'error': 'boom', 'code': 3, 'message': 'boom'},
                headers={'X-Request-Id': 'srv-1'})
    tr = make_transport(clock, addresses=(A,), deadline=5.0,
                        token_source=credentials.TokenSource(value=value))
    with pytest.raises(cls) as info:
        tr.request('DELETE', '/api/v2/projects/p/volumes/u')
    err = info.value
    assert type(err) is cls
    assert (err.method, err.path, err.status) == (
        'DELETE', '/api/v2/projects/p/volumes/u', status)
    assert err.server_message == 'boom'
    assert err.request_id == 'srv-1'
    assert err.endpoint == 'https://127.0.0.11:443'
    assert value not in str(err) and value not in repr(err)
    assert 'Authorization' not in str(err)


@pytest.mark.parametrize('kwargs,expected', [
    ({'json': {'message': 'Etag mismatch', 'error': 'x'}}, 'Etag mismatch'),
    ({'json': {'error': 'only error'}}, 'only error'),
    ({'text': 'plain failure'}, 'plain failure'),
    ({'text': 'x' * 5000}, 'x' * failures.MESSAGE_LIMIT + '...'),
    ({'text': ''}, None),
])
def test_server_message(mock, clock, kwargs, expected):
    mock.get(url(A), status_code=400, **kwargs)
    with pytest.raises(exception.BadRequest) as info:
        make_transport(clock).request('GET', PATH)
    assert info.value.server_message == expected


def test_generated_request_id_when_server_sends_none(mock, clock):
    mock.get(url(A), status_code=404)
    with pytest.raises(exception.NotFound) as info:
        make_transport(clock).request('GET', PATH)
    sent = mock.last_request.headers['X-Request-Id']
    assert info.value.request_id == sent
    assert sent in str(info.value)


def test_request_ids_differ_per_call(mock, clock):
    mock.get(url(A), json={})
    tr = make_transport(clock)
    tr.request('GET', PATH)
    tr.request('GET', PATH)
    first, second = (r.headers['X-Request-Id'] for r in mock.request_history)
    assert first != second


# --- tokens ---------------------------------------------------------------

def test_401_rereads_the_token_file_and_retries(mock, clock, tmp_path):
    path = tmp_path / 'jwt'
    old, new = make_jwt('old'), make_jwt('new')
    write_token(path, old)
    source = credentials.TokenSource(path=str(path))
    tr = make_transport(clock, token_source=source)
    mock.get(url(A), json={})
    tr.request('GET', PATH)
    # Rotate the file without changing what stat() reports, so only the
    # forced re-read after the 401 can find the new token.
    info = os.stat(path)
    path.write_text(new + '\n')
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))

    def answer(request, context):
        ok = request.headers['Authorization'] == 'Bearer ' + new
        context.status_code = 200 if ok else 401
        return {}

    mock.get(url(A), json=answer)
    assert tr.request('GET', PATH) == {}
    sent = [r.headers['Authorization'] for r in mock.request_history]
    assert sent == ['Bearer ' + old, 'Bearer ' + old, 'Bearer ' + new]
    assert hosts(mock) == [A, A, A]


def test_401_with_unchanged_token_is_raised(mock, clock, tmp_path):
    path = tmp_path / 'jwt'
    write_token(path, make_jwt())
    tr = make_transport(clock, token_source=credentials.TokenSource(
        path=str(path)))
    mock.get(url(A), status_code=401, json={'message': 'token expired'})
    with pytest.raises(exception.Unauthorized) as info:
        tr.request('GET', PATH)
    assert info.value.server_message == 'token expired'
    assert len(mock.request_history) == 1


def test_401_retried_only_once(mock, clock, tmp_path):
    path = tmp_path / 'jwt'
    write_token(path, make_jwt('1'))

    class RotatingSource(credentials.TokenSource):
        reloads = 0

        def reload(self):
            self.reloads += 1
            write_token(path, make_jwt(str(self.reloads + 1)))
            return super().reload()

    source = RotatingSource(path=str(path))
    tr = make_transport(clock, token_source=source)
    mock.get(url(A), status_code=401)
    with pytest.raises(exception.Unauthorized):
        tr.request('GET', PATH)
    assert source.reloads == 1
    assert len(mock.request_history) == 2


def test_token_file_rotation_is_picked_up_without_a_401(mock, clock,
                                                        tmp_path):
    path = tmp_path / 'jwt'
    write_token(path, make_jwt('1'))
    tr = make_transport(clock, token_source=credentials.TokenSource(
        path=str(path)))
    mock.get(url(A), json={})
    tr.request('GET', PATH)
    write_token(path, make_jwt('2'))
    tr.request('GET', PATH)
    assert [r.headers['Authorization'] for r in mock.request_history] == [
        'Bearer ' + make_jwt('1'), 'Bearer ' + make_jwt('2')]


# --- logging --------------------------------------------------------------

def test_debug_log_of_a_session_never_shows_the_token(mock, clock, tmp_path,
                                                      caplog):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / 'jwt'
    first, second = make_jwt('first'), make_jwt('second')
    write_token(path, first)
    source = credentials.TokenSource(path=str(path))
    tr = make_transport(clock, token_source=source)
    mock.get(url(A), exc=requests.exceptions.ConnectTimeout)
    mock.get(url(B), [{'status_code': 503, 'json': {'message': 'busy'}},
                      {'json': {'apiVersion': 'v2.0'}}])
    mock.get(url(C), json={'apiVersion': 'v2.0'})
    mock.post(url(C, '/api/v2/projects/p/volumes'),
              [{'status_code': 401, 'json': {'message': 'expired'}},
               {'json': {'UUID': 'u'}}])
    mock.delete(url(C, '/api/v2/projects/p/volumes/u'), status_code=412,
                text='Etag mismatch')
    tr.request('GET', PATH)
    info = os.stat(path)
    path.write_text(second)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    tr.request('POST', '/api/v2/projects/p/volumes', body={'name': 'v'})
    with pytest.raises(exception.PreconditionFailed) as info:
        tr.request('DELETE', '/api/v2/projects/p/volumes/u', if_match='e')
    texts = [caplog.text, str(info.value), repr(info.value), repr(tr),
             repr(source), repr(source.get())]
    for secret in (first, second):
        signature = secret.rsplit('.', 1)[1]
        for text in texts:
            assert secret not in text
            assert signature not in text
    assert 'Bearer' not in caplog.text
    # Each answered request is logged once with the allowed fields.
    answered = [r.getMessage() for r in caplog.records
                if r.name == 'lightos_cinder.api.transport' and '->' in
                r.getMessage()]
    assert len(answered) == 5
    assert answered[-1].startswith('DELETE /api/v2/projects/p/volumes/u -> '
                                   '412 in ')
    assert 'from https://127.0.0.13:443 (request id req-' in answered[-1]


def test_marking_unhealthy_warns_once(mock, clock, caplog):
    caplog.set_level(logging.INFO, logger='lightos_cinder.api.endpoints')
    mock.get(url(A), exc=refused())
    mock.get(url(B), json={})
    tr = make_transport(clock, addresses=(A, B), retry_interval=5)
    tr.request('GET', PATH)
    clock.now += 10
    mock.get(url(B), exc=refused())
    with pytest.raises(exception.LightOSConnectionError):
        tr.request('GET', PATH)                 # B fails, then A again...
    assert hosts(mock)[:4] == [A, B, B, A]      # ... round after round
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert '127.0.0.11' in warnings[0] and '127.0.0.12' in warnings[1]
    mock.get(url(A), json={})
    tr.request('GET', PATH)
    assert 'https://127.0.0.11:443 answers again' in caplog.text


# --- configuration --------------------------------------------------------

def config(**overrides):
    values = dict(lightos_api_address=[A, '::1'], lightos_api_port=8443,
                  lightos_jwt=None, lightos_jwt_file=None,
                  lightos_api_service_timeout=30,
                  lightos_api_connect_timeout=2.5,
                  lightos_api_endpoint_retry_interval=45,
                  lightos_api_request_deadline=90,
                  driver_ssl_cert_verify=True, driver_ssl_cert_path=None)
    values.update(overrides)
    return types.SimpleNamespace(**values)


@pytest.mark.parametrize('verify,path,expected', [
    (True, None, True),
    (True, '/etc/ca.pem', '/etc/ca.pem'),
    (False, '/etc/ca.pem', False),
])
def test_from_config_verify(mock, verify, path, expected):
    mock.get('https://127.0.0.11:8443/api/v2/version', json={})
    tr = transport.Transport.from_config(config(
        driver_ssl_cert_verify=verify, driver_ssl_cert_path=path))
    assert tr.endpoints == ['https://127.0.0.11:8443', 'https://[::1]:8443']
    tr.request('GET', PATH)
    assert mock.last_request.verify == expected
    assert mock.last_request.timeout == (2.5, transport.HEDGE_MIN)


def test_from_config_token_file_wins(mock, tmp_path):
    path = tmp_path / 'jwt'
    write_token(path, make_jwt('file'))
    tr = transport.Transport.from_config(config(
        lightos_jwt=make_jwt('value'), lightos_jwt_file=str(path)))
    mock.get('https://127.0.0.11:8443/api/v2/version', json={})
    tr.request('GET', PATH)
    assert mock.last_request.headers['Authorization'] == (
        'Bearer ' + make_jwt('file'))


def test_from_config_without_addresses():
    with pytest.raises(ValueError, match='lightos_api_address'):
        transport.Transport.from_config(config(lightos_api_address=None))


def test_session_is_reused_and_pooled(clock):
    tr = make_transport(clock)
    adapter = tr._session.get_adapter('https://127.0.0.11:443/')
    assert adapter._pool_maxsize >= 16
    assert tr._session.trust_env is False
    tr.close()
