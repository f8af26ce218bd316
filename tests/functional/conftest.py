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

"""Fixtures of the functional tests: a simulated cluster, Cinder, drivers.

Sub-folders build on these through pytest's conftest hierarchy: the data
plane overrides ``backend_sim`` so that its drivers keep data.
"""

from cinder import context as cinder_context
from cinder import coordination
from oslo_config import cfg
import pytest

from lightos_cinder import driver
from lightos_cinder.simulator import Simulator
from tests.functional import cinder_objects
from tests.functional import cinderservices
from tests.functional.driver import helpers

CONF = cfg.CONF


@pytest.fixture(scope='session')
def simulator(tmp_path_factory):
    """A 3-node HTTPS cluster with JWT auth, started once per session."""
    with Simulator(nodes=3, tls=True, auth=True,
                   workdir=str(tmp_path_factory.mktemp('lightos-sim'))) as sim:
        yield sim


@pytest.fixture(scope='session')
def cinder_database(tmp_path_factory):
    """The sqlite file of the process's in-process Cinder services."""
    return str(tmp_path_factory.mktemp('cinder-db') / 'cinder.sqlite')


@pytest.fixture
def sim(simulator):
    """The session's simulator, emptied: no volumes, faults or counts."""
    simulator.clear_faults()
    simulator.reset()
    yield simulator
    simulator.clear_faults()


@pytest.fixture(scope='session')
def coordinator(tmp_path_factory):
    """Cinder's global coordinator on a file:// backend in a tmp dir."""
    path = tmp_path_factory.mktemp('coordination')
    CONF.set_override('backend_url', 'file://%s' % path, group='coordination')
    coordination.COORDINATOR.start()
    yield coordination.COORDINATOR
    coordination.COORDINATOR.stop()
    CONF.clear_override('backend_url', group='coordination')


@pytest.fixture(scope='session')
def cinder_db(cinder_database):
    """Cinder's tables, which the driver reads to tell who owns what."""
    cinderservices.use_database(cinder_database)


@pytest.fixture
def ctx():
    return cinder_context.get_admin_context()


@pytest.fixture
def backend_sim(sim):
    """The simulator ``make_driver`` points drivers at by default."""
    return sim


@pytest.fixture
def make_driver(backend_sim):
    """Build (and by default set up) drivers; close them afterwards.

    The factory sets each driver up unless ``setup=False``, may point it
    at another ``target`` simulator and give it a (fake) ``clock``.
    """
    made = []

    def make(setup=True, target=None, clock=None, **overrides):
        drv = driver.LightOSVolumeDriver(
            configuration=helpers.backend_config(target or backend_sim,
                                                 **overrides),
            host='cinder-volume@lightos', clock=clock)
        if setup:
            drv.do_setup(cinder_context.get_admin_context())
            drv.check_for_setup_error()
        made.append(drv)
        return drv
    yield make
    for drv in made:
        if drv._client is not None:
            drv._client.transport.close()


@pytest.fixture
def drv(make_driver):
    return make_driver()


@pytest.fixture
def make_type(ctx):
    def make(extra_specs=None, name=None):
        return cinder_objects.volume_type(ctx, extra_specs, name)
    return make


@pytest.fixture
def make_volume(ctx):
    def make(volume_type=None, size=1, **updates):
        return cinder_objects.volume(ctx, volume_type, size, **updates)
    return make


@pytest.fixture
def make_snapshot(ctx):
    def make(volume, **updates):
        return cinder_objects.snapshot(ctx, volume, **updates)
    return make


@pytest.fixture
def attach(ctx):
    """Record an attachment of ``volume`` made with ``connector``."""
    def add(volume, connector, **kwargs):
        return cinder_objects.attachment(ctx, volume, connector, **kwargs)
    return add
