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

"""Fixtures of the functional tests: a simulated LightOS cluster."""

import pytest

from lightos_cinder.simulator import Simulator


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
