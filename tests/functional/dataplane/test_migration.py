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

"""Cinder's host-assisted migration and retype between two backends."""

import os

from cinder.volume import volume_utils
import pytest

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from tests.functional.dataplane import hosts
from tests.functional import simstate

MIB = 1024 * 1024
GIB = 1024 * MIB
BACKENDS = ('lightos-a', 'lightos-b')
OFFSETS = (0, 512 * MIB + 4096, GIB - MIB)


@pytest.fixture
def host(host_factory):
    # cinder-volume attaches both volumes of a migration as this host.
    with host_factory(1).as_current() as current:
        yield current


def _backend(volume):
    return volume_utils.extract_host(volume.host, 'backend').split('@')[1]


def _write_pattern(drv, volume, host):
    blocks = {offset: os.urandom(MIB) for offset in OFFSETS}
    with hosts.attached(drv, volume, host) as path:
        for offset, block in blocks.items():
            hosts.write_at(path, offset, block)
    return blocks


def _read(drv, volume, host):
    with hosts.attached(drv, volume, host) as path:
        assert hosts.device_size(path) == volume.size * GIB
        return {offset: hosts.read_at(path, offset, MIB)
                for offset in OFFSETS}


def _names(dsim, project):
    return sorted(v['name'] for v in simstate.volumes(dsim, project))


def _wait_names(dsim, project, names):
    """The project's LightOS volumes once they are exactly ``names``.

    The source volume goes away in a cast cinder-volume sends after the
    migration has completed.
    """
    def probe():
        seen = _names(dsim, project)
        if seen != sorted(names):
            raise exception.NotReady(seen)
        return seen
    return waiters.wait_for(probe, timeout=60, interval=0.05,
                            max_interval=0.5,
                            what='volumes of %s to be %s' % (project, names))


def _lightos_volume(dsim, volume, project):
    return simstate.volume_named(dsim, 'volume-%s' % volume.name_id, project)


def test_migrate_with_host_copy_keeps_the_data(
        cinder_services, dsim, agent, host):
    services = cinder_services
    dsim.create_project('tenant-a')
    ctxt = services.context('tenant-a')
    # No backend in the type: the volume may live on either backend.
    volume_type = services.create_type('migrate-any', {
        'lightos:project_name': 'tenant-a'})
    volume = services.create_volume(ctxt, volume_type)
    source = _backend(volume)
    target = next(b for b in BACKENDS if b != source)
    drivers = {b: services.volume_managers[b].driver for b in BACKENDS}
    written = _write_pattern(drivers[source], volume, host)
    source_name = 'volume-%s' % volume.id

    services.volume_api.migrate_volume(
        ctxt, volume, services.backend_host(target), None, True, False)
    migrated = services.wait_volume(ctxt, volume.id, 'available',
                                    migration_status='success')

    assert _backend(migrated) == target
    # Cinder kept the volume's id; the data lives in the new LightOS volume.
    assert migrated.name_id != volume.id
    _wait_names(dsim, 'tenant-a', ['volume-%s' % migrated.name_id])
    assert source_name not in _names(dsim, 'tenant-a')
    assert _read(drivers[target], migrated, host) == written
    assert simstate.acl(
        _lightos_volume(dsim, migrated, 'tenant-a')) == simstate.NONE
    assert agent.exposed() == {}

    services.delete_volume(ctxt, volume.id)
    assert _names(dsim, 'tenant-a') == []
    assert not dsim.data_store.volume_uuids()


def test_retype_to_another_project_migrates_the_data(
        cinder_services, dsim, agent, host):
    services = cinder_services
    for project in ('tenant-a', 'tenant-b'):
        dsim.create_project(project)
    ctxt = services.context('tenant-a')
    old_type = services.create_type('retype-a', {
        'volume_backend_name': 'lightos-a',
        'lightos:project_name': 'tenant-a'})
    new_type = services.create_type('retype-b', {
        'volume_backend_name': 'lightos-b',
        'lightos:project_name': 'tenant-b'})
    volume = services.create_volume(ctxt, old_type)
    assert _backend(volume) == 'lightos-a'
    written = _write_pattern(
        services.volume_managers['lightos-a'].driver, volume, host)

    services.volume_api.retype(ctxt, volume, new_type.id,
                               migration_policy='on-demand')
    retyped = services.wait_volume(ctxt, volume.id, 'available',
                                   volume_type_id=new_type.id,
                                   migration_status='success')

    assert _backend(retyped) == 'lightos-b'
    _wait_names(dsim, 'tenant-a', [])
    assert _names(dsim, 'tenant-b') == ['volume-%s' % retyped.name_id]
    assert _read(services.volume_managers['lightos-b'].driver, retyped,
                 host) == written
    assert agent.exposed() == {}

    services.delete_volume(ctxt, volume.id)
    assert _names(dsim, 'tenant-b') == []
    assert not dsim.data_store.volume_uuids()
