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

"""Endpoints, a transport factory and failures for the transport tests."""

import http.client

import requests
import urllib3

from lightos_cinder.api import endpoints
from lightos_cinder.api import transport

A, B, C = '127.0.0.11', '127.0.0.12', '127.0.0.13'
PORT = 443
PATH = '/api/v2/version'


def url(address, path=PATH, port=PORT):
    return endpoints.format_base_url(address, port) + path


def make_transport(clock, addresses=(A, B, C), **kwargs):
    options = dict(connect_timeout=3.0, read_timeout=30.0, deadline=120.0,
                   retry_interval=30.0, clock=clock, sleep=clock.sleep)
    options.update(kwargs)
    return transport.Transport(list(addresses), PORT, **options)


def fail_with(exc, clock=None, seconds=0.0):
    """A requests-mock callback raising ``exc`` after ``seconds``."""
    def callback(request, context):
        if clock is not None:
            clock.now += seconds
        raise exc
    return callback


def refused():
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(
            None, '/', urllib3.exceptions.NewConnectionError(
                None, 'Failed to establish a new connection: [Errno 111] '
                'Connection refused')))


def connection_lost():
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError(
            'Connection aborted.', http.client.RemoteDisconnected(
                'Remote end closed connection without response')))


def hosts(mock):
    return [req.hostname for req in mock.request_history]
