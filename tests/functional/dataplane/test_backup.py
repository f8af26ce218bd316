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

"""Backups with Cinder's POSIX driver, attached through os-brick."""

import os

from cinder import objects
import pytest

from tests.functional.dataplane import hosts
from tests.functional import simstate

MIB = 1024 * 1024
GIB = 1024 * MIB
PROJECT = 'tenant-a'
# Regions the test writes: the first block, one in the middle, the last.
OFFSETS = (0, 300 * MIB + 4096, GIB - MIB)


@pytest.fixture
def host(host_factory):
    # cinder-backup and cinder-volume attach as this host (CONF.host, the
    # NQN the Hosts fixture hands to os-brick).
    with host_factory(1).as_current() as current:
        yield current


def _pattern(offsets=OFFSETS):
    return {offset: os.urandom(MIB) for offset in offsets}


def _write(drv, volume, host, blocks):
    with hosts.attached(drv, volume, host) as path:
        for offset, block in blocks.items():
            hosts.write_at(path, offset, block)


def _read(drv, volume, host):
    with hosts.attached(drv, volume, host) as path:
        assert hosts.device_size(path) == volume.size * GIB
        return {offset: hosts.read_at(path, offset, MIB)
                for offset in OFFSETS}


def _backup(services, ctxt, volume, name, incremental=False):
    backup = services.backup_api.create(ctxt, name, None, volume.id, None,
                                        incremental=incremental)
    return services.wait_backup(ctxt, backup.id)


def _restore(services, ctxt, backup, volume_id=None):
    """Restore into ``volume_id`` (or a new volume); return the volume."""
    done = services.backup_api.restore(ctxt, backup.id, volume_id=volume_id)
    services.wait_backup(ctxt, backup.id)
    return services.wait_volume(ctxt, done['volume_id'], 'available')


def _files(root):
    return sorted(os.path.relpath(os.path.join(path, name), root)
                  for path, _dirs, names in os.walk(root) for name in names)


def test_backup_incremental_restore_round_trip(
        cinder_services, dsim, agent, host):
    services = cinder_services
    dsim.create_project(PROJECT)
    ctxt = services.context(PROJECT)
    drv = services.volume_managers['lightos-a'].driver
    volume_type = services.create_type('backup-gold', {
        'volume_backend_name': 'lightos-a',
        'lightos:project_name': PROJECT})
    volume = services.create_volume(ctxt, volume_type)

    first = _pattern()
    _write(drv, volume, host, first)
    full = _backup(services, ctxt, volume, 'full')
    # Only the middle region changes: the incremental backup carries it,
    # the other two come from the full one.
    second = {**first, **_pattern(OFFSETS[1:2])}
    _write(drv, volume, host, second)
    incremental = _backup(services, ctxt, volume, 'incremental',
                          incremental=True)
    assert incremental.parent_id == full.id
    assert objects.Backup.get_by_id(ctxt, full.id).num_dependent_backups == 1
    # The incremental backup stores changed blocks only.
    assert incremental.object_count > 0
    sizes = {b.id: sum(os.path.getsize(os.path.join(services.backup_path, f))
                       for f in _files(services.backup_path)
                       if b.id in f) for b in (full, incremental)}
    assert sizes[incremental.id] < sizes[full.id] / 10, sizes

    _write(drv, volume, host, _pattern())
    # Each restore brings back exactly its point in time: the incremental
    # one over the volume (its chain: full, then changed blocks), the full
    # one into a new volume that cinder-backup has created for it.
    _restore(services, ctxt, incremental, volume.id)
    assert _read(drv, volume, host) == second
    restored = _restore(services, ctxt, full)
    assert restored.id != volume.id
    assert _read(drv, restored, host) == first
    assert agent.exposed() == {}

    for backup in (incremental, full):
        services.backup_api.delete(ctxt, services.backup_api.get(
            ctxt, backup.id))
        services.wait_deleted(objects.Backup, ctxt, backup.id)
    assert _files(services.backup_path) == []
    for item in (restored, volume):
        services.delete_volume(ctxt, item.id)
    assert simstate.volumes(dsim, PROJECT) == []
    assert not dsim.data_store.volume_uuids()
