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

"""The lean adapter and request preparation (no network needed)."""

import json
import ssl

import requests
from requests import certs

from lightos_cinder.api import httpsadapter

BASE = 'https://127.0.0.11:8443'


def test_prepare_matches_what_requests_sends():
    headers = {'Accept': 'application/json', 'X-Request-Id': 'req-1'}
    ours = httpsadapter.prepare('PUT', BASE + '/api/v2/x', headers,
                                params={'name': 'v-1', 'skip': None},
                                body={'size': '1 GiB', 'n': 3})
    theirs = requests.Request('PUT', BASE + '/api/v2/x', headers=headers,
                              params={'name': 'v-1', 'skip': None},
                              json={'size': '1 GiB', 'n': 3}).prepare()
    assert ours.url == theirs.url == BASE + '/api/v2/x?name=v-1'
    assert json.loads(ours.body) == json.loads(theirs.body)
    assert ours.body == theirs.body
    for name in ('Content-Type', 'Content-Length', 'X-Request-Id'):
        assert ours.headers[name] == theirs.headers[name]


def test_prepare_a_delete_without_body_says_so():
    ours = httpsadapter.prepare('DELETE', BASE + '/api/v2/x', {})
    assert ours.body is None
    assert ours.headers['Content-Length'] == '0'
    assert 'Content-Length' not in httpsadapter.prepare(
        'GET', BASE + '/api/v2/x', {}).headers


def test_pool_and_ca_bundle_looked_up_once(tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('not read before a connection is opened')
    adapter = httpsadapter.HTTPAdapter(pool_maxsize=4)
    first = httpsadapter.prepare('GET', BASE + '/api/v2/a', {})
    pool = adapter.get_connection_with_tls_context(first, str(ca))
    adapter.cert_verify(pool, first.url, str(ca), None)
    assert pool.ca_certs == str(ca)
    # Later requests neither rebuild the pool key nor stat the bundle.
    ca.unlink()
    second = httpsadapter.prepare('GET', BASE + '/api/v2/b?x=1', {})
    assert adapter.get_connection_with_tls_context(second, str(ca)) is pool
    adapter.cert_verify(pool, second.url, str(ca), None)
    other = httpsadapter.prepare('GET', 'https://127.0.0.12:8443/x', {})
    assert adapter.get_connection_with_tls_context(other, str(ca)) is not pool
    adapter.close()
    again = adapter.get_connection_with_tls_context(first, str(ca))
    assert again is not pool


def _bundle(path, certificates):
    text = open(certs.where()).read()
    begin = '-----BEGIN CERTIFICATE-----'
    pems = [begin + part for part in text.split(begin)[1:]]
    path.write_text(''.join(pems[:certificates]))


def test_connections_share_one_trust_store_per_bundle(tmp_path):
    ca = tmp_path / 'ca.pem'
    _bundle(ca, 3)
    pool = httpsadapter.HTTPAdapter().poolmanager.connection_from_host(
        '127.0.0.11', 8443, 'https',
        pool_kwargs={'cert_reqs': 'CERT_REQUIRED', 'ca_certs': str(ca)})
    first, second = pool._new_conn(), pool._new_conn()
    assert first.ssl_context is second.ssl_context
    assert first.ca_certs is None
    assert first.ssl_context.verify_mode == ssl.CERT_REQUIRED
    # The host name is still checked: by the context (urllib3 2) or, where
    # urllib3's contexts leave that off (1.26), by urllib3 after the
    # handshake unless assert_hostname is False.
    assert (first.ssl_context.check_hostname or
            first.assert_hostname is not False)
    assert len(first.ssl_context.get_ca_certs()) == 3
    # A replaced bundle is what later connections trust.
    _bundle(ca, 2)
    third = pool._new_conn()
    assert third.ssl_context is not first.ssl_context
    assert len(third.ssl_context.get_ca_certs()) == 2


def test_unverified_connections_keep_urllib3_defaults():
    pool = httpsadapter.HTTPAdapter().poolmanager.connection_from_host(
        '127.0.0.11', 8443, 'https', pool_kwargs={'cert_reqs': 'CERT_NONE'})
    assert pool._new_conn().ssl_context is None
