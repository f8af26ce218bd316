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

"""A node in maintenance: the backend starts and refuses only what it must."""

import logging

from cinder import exception as cinder_exception
import pytest

from tests.functional import simstate


@pytest.fixture
def node_away(sim):
    """Node 2 of the simulator Inactive (maintenance) during the test."""
    sim.set_node_state(2, 'Inactive')
    yield
    sim.set_node_state(2, 'Active')


def test_backend_starts_and_refuses_only_creates_it_cannot_place(
        sim, node_away, make_driver, make_type, make_volume, caplog):
    caplog.set_level(logging.WARNING, logger='lightos_cinder')
    drv = make_driver()
    assert drv.configuration.lightos_default_num_replicas == 3
    warned = [r.getMessage() for r in caplog.records
              if 'can place at most 2 replicas now' in r.getMessage()]
    assert len(warned) == 1 and 'Inactive' in warned[0]
    assert 'lightos_default_num_replicas=3' in warned[0]

    stats = drv.get_volume_stats(refresh=True)
    assert stats['lightos_max_replicas'] == 2
    assert 'Inactive' in stats['lightos_replica_limit_cause']

    writes = sim.counters()['writes']
    with pytest.raises(cinder_exception.InvalidVolumeType) as info:
        drv.create_volume(make_volume())
    message = str(info.value)
    assert ('lightos_default_num_replicas=3 is out of range (this cluster '
            'can place at most 2 now: nodes not Active: ') in message
    assert 'Inactive' in message
    assert sim.counters()['writes'] == writes

    two = make_volume(make_type({'lightos:num_replicas': '2'}))
    drv.create_volume(two)
    assert [v['replicaCount'] for v in simstate.volumes(sim)] == [2]

    # The node returns: the same service places 3 replicas again.
    sim.set_node_state(2, 'Active')
    drv.create_volume(make_volume())
    assert sorted(v['replicaCount'] for v in simstate.volumes(sim)) == [2, 3]
    stats = drv.get_volume_stats(refresh=True)
    assert stats['lightos_max_replicas'] == 3
    assert stats['lightos_replica_limit_cause'] is None


def test_healthy_cluster_reports_its_limit(drv):
    stats = drv.get_volume_stats(refresh=True)
    assert stats['lightos_max_replicas'] == 3
    assert stats['lightos_replica_limit_cause'] is None
