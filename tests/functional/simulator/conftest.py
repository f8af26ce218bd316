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

"""Fixtures of the simulator contract tests."""

import pytest

from lightos_cinder.simulator import Simulator
from tests.functional.simulator.helpers import Api


@pytest.fixture(scope='module')
def slow_sim(tmp_path_factory):
    """A cluster whose transitions only end on complete_transitions().

    The delays are far longer than any test, so intermediate states can be
    observed without racing the clock.
    """
    with Simulator(nodes=3, create_delay_ms=600000, update_delay_ms=600000,
                   delete_delay_ms=600000,
                   workdir=str(tmp_path_factory.mktemp('slow-sim'))) as sim:
        yield sim


@pytest.fixture
def slow_api(slow_sim):
    slow_sim.reset()
    client = Api(slow_sim)
    yield client
    client.close()


@pytest.fixture
def api(sim):
    client = Api(sim)
    yield client
    client.close()
