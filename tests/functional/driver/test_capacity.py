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

"""Capacity reported while the cluster cannot be read, and the scheduler."""

import logging

from cinder.scheduler.filters import capacity_filter
from cinder.scheduler import host_manager
from oslo_utils import timeutils
import pytest

from lightos_cinder.simulator import Simulator
from tests.unit import fakes

MAX_AGE = 300


def _scheduler_accepts(stats, size=1):
    """Whether Cinder's CapacityFilter lets a ``size`` GiB volume through."""
    state = host_manager.BackendState('cinder-volume@lightos', None)
    state.update_from_volume_capability(
        dict(stats, timestamp=timeutils.utcnow()), service={'disabled': False})
    [pool] = state.pools.values()
    return capacity_filter.CapacityFilter().backend_passes(
        pool, {'size': size, 'request_spec': {'volume_id': 'new'},
               'volume_type': {}})


def _unreachable(sim):
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'down')


def _failing(sim):
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'status', status=500, path=r'/api/v2/cluster$')


@pytest.fixture
def clock():
    return fakes.FakeClock()


@pytest.mark.parametrize('fault', [_unreachable, _failing])
def test_last_figures_kept_for_a_while_then_no_capacity(
        sim, make_driver, clock, caplog, fault):
    drv = make_driver(clock=clock, lightos_capacity_max_age=MAX_AGE)
    read = drv.get_volume_stats(refresh=True)
    assert read['total_capacity_gb'] > 0 and read['free_capacity_gb'] > 0
    figures = {key: read[key] for key in (
        'total_capacity_gb', 'free_capacity_gb', 'provisioned_capacity_gb')}

    fault(sim)
    clock.now += MAX_AGE - 1
    with caplog.at_level(logging.WARNING):
        kept = drv.get_volume_stats(refresh=True)
    assert {key: kept[key] for key in figures} == figures
    assert 'figures read %d s ago' % (MAX_AGE - 1) in caplog.text
    assert _scheduler_accepts(kept)

    clock.now += 2
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        withheld = drv.get_volume_stats(refresh=True)
    assert withheld['total_capacity_gb'] == 0
    assert withheld['free_capacity_gb'] == 0
    assert 'provisioned_capacity_gb' not in withheld
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert 'reporting 0 GiB total and free capacity' in record.getMessage()
    assert not _scheduler_accepts(withheld)

    sim.clear_faults()
    again = drv.get_volume_stats(refresh=True)
    assert again['total_capacity_gb'] == figures['total_capacity_gb']
    assert _scheduler_accepts(again)


def test_no_capacity_when_never_read(sim, make_driver, clock, caplog):
    drv = make_driver(clock=clock)
    _unreachable(sim)
    with caplog.at_level(logging.ERROR):
        stats = drv.get_volume_stats(refresh=True)
    assert (stats['total_capacity_gb'], stats['free_capacity_gb']) == (0, 0)
    assert 'since the service started' in caplog.text
    assert not _scheduler_accepts(stats)


def test_max_age_zero_withholds_at_the_first_failure(sim, make_driver, clock):
    drv = make_driver(clock=clock, lightos_capacity_max_age=0)
    assert drv.get_volume_stats(refresh=True)['total_capacity_gb'] > 0
    _failing(sim)
    clock.now += 1
    assert drv.get_volume_stats(refresh=True)['total_capacity_gb'] == 0


def test_a_rejected_token_withholds_capacity_and_names_the_token(
        sim, make_driver, clock, caplog, tmp_path):
    token_file = tmp_path / 'jwt'
    token_file.write_text(sim.system_token)
    drv = make_driver(clock=clock, lightos_capacity_max_age=0,
                      lightos_jwt=None, lightos_jwt_file=str(token_file))
    assert drv.get_volume_stats(refresh=True)['total_capacity_gb'] > 0
    with Simulator(nodes=1) as other:
        # Decodes fine; the cluster never saw its signing key.
        token_file.write_text(other.system_token)
    clock.now += 1
    with caplog.at_level(logging.ERROR):
        stats = drv.get_volume_stats(refresh=True)
    assert (stats['total_capacity_gb'], stats['free_capacity_gb']) == (0, 0)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert 'read the cluster capacity' in record.getMessage()
    assert ('rejected the JWT in lightos_jwt_file %s' % token_file
            in record.getMessage())
