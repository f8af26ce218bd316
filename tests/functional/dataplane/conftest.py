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

"""Fixtures of the data plane tests: a simulator that keeps data."""

from os_brick.initiator.connectors import lightos as brick_lightos
import pytest

from lightos_cinder.api import client as client_module
from lightos_cinder.api import credentials
from lightos_cinder.api import transport as transport_module
from lightos_cinder.simulator import Simulator
from tests.functional import cinderservices
from tests.functional.dataplane import hosts
from tests.functional.driver import conftest as driver_conftest


@pytest.fixture(scope='module')
def data_simulator(tmp_path_factory):
    """A 3-node HTTPS cluster whose volumes keep data in sparse files."""
    base = tmp_path_factory.mktemp('data-sim')
    with Simulator(nodes=3, workdir=str(base / 'work'),
                   data_dir=str(base / 'data')) as sim:
        yield sim


@pytest.fixture
def dsim(data_simulator):
    """The module's data-keeping simulator, emptied (files included)."""
    data_simulator.clear_faults()
    data_simulator.reset()
    yield data_simulator
    data_simulator.clear_faults()


def make_client(sim):
    transport = transport_module.Transport(
        sim.addresses, sim.port,
        token_source=credentials.TokenSource(value=sim.system_token),
        verify=sim.ca_path, deadline=10.0)
    return client_module.LightOSClient(transport)


@pytest.fixture
def api(dsim):
    """Our REST client against ``dsim``."""
    client = make_client(dsim)
    yield client
    client.transport.close()


# The driver tests' fixtures: Cinder's coordinator, context and objects.
coordinator = driver_conftest.coordinator
ctx = driver_conftest.ctx
make_volume = driver_conftest.make_volume
make_snapshot = driver_conftest.make_snapshot
make_type = driver_conftest.make_type
attach = driver_conftest.attach


@pytest.fixture
def make_driver(dsim):
    """Set-up drivers against the data-keeping simulator."""
    yield from driver_conftest.build_drivers(dsim)


@pytest.fixture
def drv(make_driver):
    return make_driver()


@pytest.fixture(scope='module')
def privsep():
    reason = hosts.skip_reason()
    if reason:
        pytest.skip('attaching through the discovery-client emulation %s'
                    % reason)
    hosts.configure_privsep()
    yield
    hosts.stop_privsep()


@pytest.fixture
def agent(dsim, privsep, tmp_path):
    """The emulated discovery-client of this host, with os-brick set up.

    On the way out every loop device, node and link it made must be gone.
    """
    found = dsim.start_discovery_client(
        str(tmp_path / 'discovery.d'), port=0,
        host_ips=brick_lightos.LightOSConnector.get_ip_addresses())
    names = hosts.configure_os_brick(found, str(tmp_path))
    try:
        yield found
    finally:
        hosts.clear_os_brick(names)
        dsim.stop_discovery_client(found)
    assert found.exposed() == {}
    assert found.leftovers() == []


@pytest.fixture
def host_factory(agent, monkeypatch):
    return hosts.Hosts(monkeypatch).host


@pytest.fixture(scope='module')
def cinder_services(data_simulator, privsep, cinder_database,
                    tmp_path_factory):
    """Cinder's scheduler, backup and two volume services (lightos-a/-b).

    Both backends drive ``data_simulator``; volume types choose the
    backend and the Lightbits project.
    """
    services = cinderservices.CinderServices(
        str(tmp_path_factory.mktemp('cinder')),
        {name: data_simulator.cinder_conf(name)
         for name in ('lightos-a', 'lightos-b')}, cinder_database)
    services.start()
    yield services
    services.stop()
