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

"""Our REST client over HTTPS to a simulator, built one way for all tests."""

from lightos_cinder.api import client
from lightos_cinder.api import credentials
from lightos_cinder.api import transport


def make_transport(sim, token=None, addresses=None, **options):
    """A Transport to ``sim`` that verifies its CA.

    ``token`` is a JWT or a ``TokenSource`` (the system token if None);
    ``options`` go to the Transport as they are.
    """
    if token is None:
        token = sim.system_token
    if not isinstance(token, credentials.TokenSource):
        token = credentials.TokenSource(value=token)
    options.setdefault('verify', sim.ca_path)
    return transport.Transport(addresses or sim.addresses, sim.port,
                               token_source=token, **options)


def make_client(sim, token=None, **options):
    """Our LightOSClient on a new ``make_transport``; close its transport."""
    return client.LightOSClient(make_transport(sim, token, **options))
