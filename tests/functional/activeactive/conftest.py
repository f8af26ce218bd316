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

"""Fixtures of the active-active tests: etcd and a two-service cluster."""

import pytest

from tests.functional.activeactive import cluster as cluster_mod
from tests.functional.activeactive import etcd as etcd_mod

_OUTCOMES = []


@pytest.fixture(scope='module')
def etcd(tmp_path_factory):
    """A real etcd on loopback, stopped (by PID) after the module."""
    server = etcd_mod.Etcd(str(tmp_path_factory.mktemp('etcd')))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cluster(sim, etcd, tmp_path):
    """Shared database and etcd for cinder-volume services on ``sim``."""
    # Short API timeouts: the tests hold and drop requests on purpose.
    backend = sim.cinder_conf() + (
        'lightos_api_connect_timeout = 1\n'
        'lightos_api_service_timeout = 5\n')
    made = cluster_mod.Cluster(str(tmp_path / 'cinder'), backend,
                               etcd.backend_url)
    yield made
    made.stop()


@pytest.fixture
def services(cluster):
    """Two services, node-a and node-b, of one cluster, started."""
    return cluster.start('node-a', 'node-b')


@pytest.fixture
def report():
    """Record a line for the end of the run (shown even without -s)."""
    return _OUTCOMES.append


def pytest_terminal_summary(terminalreporter):
    if _OUTCOMES:
        terminalreporter.section('active-active outcomes')
        for line in _OUTCOMES:
            terminalreporter.write_line(line)
