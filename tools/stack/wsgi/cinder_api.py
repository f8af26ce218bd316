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

"""Gunicorn entry point of the Cinder API in the local test cloud."""

import os
import sys

# cinder's initialize_application() parses sys.argv with oslo.config; give it
# the config file and a log file named after the service (oslo.log would name
# it after the gunicorn script otherwise).
sys.argv = ['cinder-api',
            '--config-file', os.environ['STACK_CINDER_CONF'],
            '--log-file', os.environ['STACK_CINDER_API_LOG']]

from cinder.wsgi import wsgi  # noqa: E402

application = wsgi.initialize_application()
