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

"""Run Cinder's in-tree LightOS driver, unmodified, against a Simulator.

Everything goes through cinder.conf-style options in a backend group of
``cfg.CONF`` and Cinder's ``Configuration``, the way cinder-volume sets the
driver up. Import this only after ``tests/conftest.py`` ran (pytest does
that first): the order of the Cinder imports matters, see there.

Two limits of the in-tree driver shape the settings: it sends
``driver_ssl_cert_verify`` straight to ``requests`` and ignores
``driver_ssl_cert_path``, so it cannot trust the simulator's CA and runs
with verification off; and it polls with 1 s sleeps, so the simulator
should run with zero delays.
"""

import contextlib

from cinder import context as cinder_context
from cinder import coordination
from cinder.volume import configuration
from cinder.volume import driver as volume_driver
from cinder.volume.drivers import lightos as intree
from oslo_config import cfg

from lightos_cinder import compat
from tests.functional import cinder_objects

CONF = cfg.CONF


def backend_options(sim, **overrides):
    """The cinder.conf options of a backend section for the in-tree driver.

    ``lightos_api_service_timeout`` is kept small: the driver derives its
    per-operation timeout from it (3 x timeout + 10 s).
    """
    options = {
        'volume_backend_name': 'lightos-intree',
        'lightos_api_address': sim.addresses,
        'lightos_api_port': sim.port,
        'lightos_jwt': sim.system_token,
        'driver_ssl_cert_verify': False,
        'lightos_api_service_timeout': 5,
        'lightos_default_num_replicas': min(3, len(sim.addresses)),
    }
    options.update(overrides)
    return options


@contextlib.contextmanager
def coordinator(lock_dir):
    """Start Cinder's coordinator (the driver takes a lock on snapshots)."""
    CONF.set_override('backend_url', 'file://%s' % lock_dir,
                      group='coordination')
    coordination.COORDINATOR.start()
    try:
        yield coordination.COORDINATOR
    finally:
        coordination.COORDINATOR.stop()
        CONF.clear_override('backend_url', group='coordination')


@contextlib.contextmanager
def intree_driver(sim, backend='lightos-intree', **overrides):
    """Yield a set-up in-tree ``LightOSVolumeDriver`` talking to ``sim``."""
    conf = configuration.Configuration(volume_driver.volume_opts,
                                       config_group=backend)
    conf.append_config_values(intree.lightos_opts)
    options = backend_options(sim, **overrides)
    for name, value in options.items():
        CONF.set_override(name, value, group=backend)
    try:
        driver = intree.LightOSVolumeDriver(configuration=conf,
                                            host='cinder@%s' % backend)
        driver.do_setup(admin_context())
        yield driver
    finally:
        for name in options:
            CONF.clear_override(name, group=backend)


# Cinder 2026.2's in-tree driver (29.x) returns ``provider_id``
# ("<project> <uuid>") from create_volume and finds volumes by it; earlier
# releases return nothing and look the project up in the volume type.
RECORDS_PROVIDER_ID = compat.cinder_major() >= 29


def create_volume(driver, vol):
    """Create ``vol``; return the provider_id set on it (None before 29)."""
    update = driver.create_volume(vol)
    if not RECORDS_PROVIDER_ID:
        assert update is None
        return None
    vol.provider_id = update['provider_id']
    return vol.provider_id


def admin_context():
    return cinder_context.get_admin_context()


def volume_type(extra_specs, name='lightos-type'):
    return cinder_objects.volume_type(admin_context(), extra_specs, name)


def volume(size=1, vtype=None, **updates):
    """A Cinder Volume object, optionally of a volume type."""
    return cinder_objects.volume(admin_context(), vtype, size, **updates)


def snapshot(vol):
    """A Cinder Snapshot object of ``vol``."""
    return cinder_objects.snapshot(admin_context(), vol)
