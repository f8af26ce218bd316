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

"""Gunicorn entry point of the neutron-server API in the local test cloud."""

import sys

# Neutron's WSGI app parses sys.argv with oslo.config (gunicorn's own
# command line would fail it) and reads neutron.conf and ml2_conf.ini from
# OS_NEUTRON_CONFIG_DIR; its log file is set in neutron.conf.
sys.argv = ['neutron-api']

from neutron.wsgi.api import application  # noqa: E402,F401
from sqlalchemy import orm  # noqa: E402

# ML2's get_ports names Port.port_forwardings, a backref that exists only
# once SQLAlchemy has configured the mappers, which the first query does.
# When a worker's first request lists ports (Nova showing a new server),
# it fails with "type object 'Port' has no attribute 'port_forwardings'";
# configure them before serving.
orm.configure_mappers()
