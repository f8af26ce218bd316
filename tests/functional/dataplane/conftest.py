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

from lightos_cinder.simulator import Simulator
from tests.functional import cinderservices
from tests.functional import clients
from tests.functional.dataplane import hosts


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


@pytest.fixture(scope='session', autouse=True)
def _cinder(coordinator):
    """The drivers here take Cinder's locks."""


@pytest.fixture
def backend_sim(dsim):
    """Drivers of the data plane tests drive the data-keeping cluster."""
    return dsim


@pytest.fixture
def api(dsim):
    """Our REST client against ``dsim``."""
    client = clients.make_client(dsim, deadline=10.0)
    yield client
    client.transport.close()


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
    # discovery-2.d: the directory of a second host of this machine.
    found = dsim.start_discovery_client(
        str(tmp_path / 'discovery.d'),
        extra_dirs=[str(tmp_path / 'discovery-2.d')], port=0,
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
