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

"""Helpers of the driver tests: a backend configuration per driver."""

import itertools

from cinder.volume import configuration
from cinder.volume import driver as cinder_driver
from oslo_config import cfg

from lightos_cinder import options

CONF = cfg.CONF
BRICK_NOT_CONFIGURABLE = (
    'needs os-brick 7.0 or later (Cinder 2026.1): earlier os-brick cannot '
    'be pointed at an emulated discovery-client')
_GROUPS = itertools.count()


def backend_config(sim, **overrides):
    """A Configuration for a fresh backend group pointing at ``sim``."""
    group = 'lightos-test-%d' % next(_GROUPS)
    conf = configuration.Configuration(
        cinder_driver.volume_opts + options.lightos_opts, config_group=group)
    values = {
        'volume_backend_name': group,
        'lightos_api_address': list(sim.addresses),
        'lightos_api_port': sim.port,
        'lightos_jwt': sim.system_token,
        'driver_ssl_cert_verify': True,
        'driver_ssl_cert_path': sim.ca_path,
        'lightos_api_connect_timeout': 0.5,
        'lightos_api_service_timeout': 5,
        'lightos_api_request_deadline': 6,
        'lightos_api_endpoint_retry_interval': 30,
        'lightos_state_wait_timeout': 8,
        # Tests count requests exactly; a busy test machine can stall an
        # answer past the default 0.5 s and hedge it to a second node.
        'lightos_api_hedge_min_delay': 2.0,
    }
    values.update(overrides)
    for name, value in values.items():
        CONF.set_override(name, value, group=group)
    return conf
