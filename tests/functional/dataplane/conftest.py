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

import pytest

from lightos_cinder import client as client_module
from lightos_cinder import credentials
from lightos_cinder.simulator import Simulator
from lightos_cinder import transport as transport_module


@pytest.fixture(scope='module')
def data_simulator(tmp_path_factory):
    """A 3-node HTTPS cluster whose volumes keep data in sparse files."""
    base = tmp_path_factory.mktemp('data-sim')
    sim = Simulator(nodes=3, workdir=str(base / 'work'),
                    data_dir=str(base / 'data'))
    sim.start()
    yield sim
    sim.stop()


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
