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

"""Gunicorn entry point of the Nova compute API in the local test cloud."""

import os
import sys

# Nova's WSGI app parses sys.argv with oslo.config (gunicorn's own command
# line would fail it) and reads api-paste.ini and nova.conf from
# OS_NOVA_CONFIG_DIR; give it just a log file named after the service.
sys.argv = ['nova-api', '--log-file', os.environ['STACK_NOVA_API_LOG']]

from nova.wsgi.osapi_compute import application  # noqa: E402,F401
