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

"""The words of the connection error: the cause it names and its fix."""

import pytest

from lightos_cinder.api import exception
from lightos_cinder.api import failures

TLS = 'TLS error (certificate verify failed); %s' % failures.TLS_VERIFY_HINT
REFUSED = 'connection refused or unreachable ([Errno 111] Connection refused)'


@pytest.mark.parametrize('reasons,lead,fix', [
    ([TLS, TLS], 'No LightOS API endpoint could be trusted for GET /x',
     'Check driver_ssl_cert_path'),
    ([REFUSED, REFUSED], 'No LightOS API endpoint answered GET /x',
     'Check lightos_api_address, lightos_api_port'),
    ([TLS, REFUSED], 'No LightOS API endpoint answered GET /x',
     'Check lightos_api_address, lightos_api_port'),
    ([], 'No LightOS API endpoint answered GET /x (no endpoint configured)',
     'Check lightos_api_address'),
])
def test_the_cause_decides_the_fix(reasons, lead, fix):
    failed = [('https://10.0.0.%d:443' % n, why)
              for n, why in enumerate(reasons)]
    failed.append(('every endpoint', 'tried 2 times'))
    if not reasons:
        failed = []
    message = str(exception.LightOSConnectionError('GET', '/x', failed))
    assert message.startswith(lead)
    assert fix in message
    if lead.startswith('No LightOS API endpoint could be trusted'):
        assert 'lightos_api_port' not in message
