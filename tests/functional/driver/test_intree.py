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

"""Volumes made by Cinder's in-tree LightOS driver keep working with ours."""

from cinder.volume.drivers import lightos as intree
from oslo_utils import units
import pytest

from tests.functional import cinder_objects
from tests.functional.driver import helpers
from tests.functional import simstate


@pytest.fixture
def intree_driver(sim):
    """Cinder's in-tree driver, unmodified, against the simulator.

    It passes driver_ssl_cert_verify straight to requests and cannot be
    given the simulator's CA, so it runs without certificate checks.
    """
    conf = helpers.backend_config(sim, driver_ssl_cert_verify=False)
    old = intree.LightOSVolumeDriver(configuration=conf,
                                     host='cinder-volume@lightos')
    old.do_setup(None)
    return old


@pytest.mark.parametrize('stamp', ['created', 'project-only', 'none'])
def test_intree_volume_lifecycle_with_our_driver(
        sim, intree_driver, drv, make_type, make_volume, make_snapshot,
        attach, stamp):
    vtype = make_type({'lightos:num_replicas': '2'})
    volume = make_volume(vtype, size=1)
    update = intree_driver.create_volume(volume) or {}
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record is not None and record['replicaCount'] == 2
    if stamp == 'created':
        volume.provider_id = update.get('provider_id')
    elif stamp == 'project-only':
        # What the in-tree driver's update_provider_info records.
        volume.provider_id = 'default'

    drv.extend_volume(volume, 3)
    assert simstate.size(simstate.volume_named(
        sim, 'volume-%s' % volume.id)) == 3 * units.Gi

    host = cinder_objects.connector(3)
    info = drv.initialize_connection(volume, host)
    assert info['data']['uuid'] == record['UUID']
    attach(volume, host)
    assert simstate.volume_named(
        sim, 'volume-%s' % volume.id)['acl']['values'] == [host['nqn']]

    snapshot = make_snapshot(volume)
    drv.create_snapshot(snapshot)
    [snap] = simstate.snapshots(sim)
    assert snap['name'] == 'snapshot-%s' % snapshot.id
    assert snap['sourceVolumeUUID'] == record['UUID']

    drv.terminate_connection(volume, host)
    assert simstate.volume_named(
        sim, 'volume-%s' % volume.id)['acl']['values'] == simstate.NONE
    drv.delete_snapshot(snapshot)
    drv.delete_volume(volume)
    assert simstate.volumes(sim) == [] and simstate.snapshots(sim) == []


def test_our_volume_and_snapshot_work_with_the_intree_driver(
        sim, intree_driver, drv, make_volume, make_snapshot):
    """Switching back keeps working too: same names and provider_id."""
    volume = make_volume(size=1)
    volume.provider_id = drv.create_volume(volume)['provider_id']
    snapshot = make_snapshot(volume)
    drv.create_snapshot(snapshot)
    intree_driver.delete_snapshot(snapshot)
    intree_driver.delete_volume(volume)
    assert simstate.volumes(sim) == [] and simstate.snapshots(sim) == []
