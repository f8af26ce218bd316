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

"""Data integrity through snapshots, clones, extend and revert."""

import os

import pytest

from tests.functional.dataplane import hosts
from tests.functional import simstate

MIB = 1024 * 1024
GIB = 1024 * MIB
# Where the test pattern goes: the first block, one in the middle, the last.
OFFSETS = (0, 512 * MIB + 4096, GIB - MIB)


def _write_pattern(path, seed):
    blocks = {}
    for offset in OFFSETS:
        data = (seed * (MIB // len(seed) + 1))[:MIB]
        hosts.write_at(path, offset, data)
        blocks[offset] = data
    return blocks


def _read_pattern(path):
    return {offset: hosts.read_at(path, offset, MIB) for offset in OFFSETS}


@pytest.fixture
def host(host_factory):
    return host_factory(1)


@pytest.fixture
def volume(drv, make_volume):
    volume = make_volume(size=1)
    volume.provider_id = drv.create_volume(volume)['provider_id']
    return volume


def test_snapshot_clone_from_snapshot_extend_and_revert(
        ctx, drv, volume, host, make_volume, make_snapshot):
    with hosts.attached(drv, volume, host) as path:
        original = _write_pattern(path, b'original-')
    snapshot = make_snapshot(volume)
    snapshot.provider_id = (drv.create_snapshot(snapshot) or {}).get(
        'provider_id')

    with hosts.attached(drv, volume, host) as path:
        assert _read_pattern(path) == original
        changed = _write_pattern(path, b'changed!-')

    # A volume from the snapshot, larger: the snapshot's data, then zeros.
    from_snap = make_volume(size=2)
    from_snap.provider_id = drv.create_volume_from_snapshot(
        from_snap, snapshot)['provider_id']
    # A clone of the volume: its data now.
    clone = make_volume(size=1)
    clone.provider_id = drv.create_cloned_volume(clone, volume)[
        'provider_id']

    with hosts.attached(drv, from_snap, host) as path:
        assert hosts.device_size(path) == 2 * GIB
        assert _read_pattern(path) == original
        assert hosts.read_at(path, GIB, MIB) == bytes(MIB)
        assert hosts.read_at(path, 2 * GIB - MIB, MIB) == bytes(MIB)
        _write_pattern(path, b'from-snap-')
    with hosts.attached(drv, clone, host) as path:
        assert _read_pattern(path) == changed
        _write_pattern(path, b'clone----')

    # Extend keeps the data and adds zeros.
    drv.extend_volume(volume, 3)
    volume.size = 3
    with hosts.attached(drv, volume, host) as path:
        assert hosts.device_size(path) == 3 * GIB
        assert _read_pattern(path) == changed
        assert hosts.read_at(path, 3 * GIB - MIB, MIB) == bytes(MIB)

    # Revert to the snapshot: its data (and Cinder grows the volume back).
    drv.revert_to_snapshot(ctx, volume, snapshot)
    with hosts.attached(drv, volume, host) as path:
        assert _read_pattern(path) == original

    # Nothing written to one volume leaked into another.
    with hosts.attached(drv, from_snap, host) as path:
        assert hosts.read_at(path, 0, 9) == b'from-snap'


def test_rollback_under_an_attached_host_shows_the_snapshot_data(
        dsim, drv, volume, host, make_snapshot):
    """The cluster's rollback API (the driver itself reverts detached)."""
    info = drv.initialize_connection(volume, host.properties)
    device = host.connect(info)
    # Held open throughout, as by a guest: its cached blocks would
    # survive the rollback unless the device drops them.
    fd = os.open(device['path'], os.O_RDWR)
    try:
        os.pwrite(fd, b'before--' * 512, 0)
        os.fsync(fd)
        assert os.pread(fd, 4096, 0) == b'before--' * 512
        snapshot = make_snapshot(volume)
        drv.create_snapshot(snapshot)
        os.pwrite(fd, b'after---' * 512, 0)
        os.fsync(fd)
        assert os.pread(fd, 4096, 0) == b'after---' * 512
        [snap] = simstate.snapshots(dsim)
        drv._client.rollback_volume('default', info['data']['uuid'],
                                    snap['UUID'])
        assert os.pread(fd, 4096, 0) == b'before--' * 512
    finally:
        os.close(fd)
        host.disconnect(info, device)
        drv.terminate_connection(volume, host.properties)


def test_deleted_data_never_shows_up_in_a_new_volume(
        dsim, drv, make_volume, host):
    secret = os.urandom(64) * (MIB // 64)
    for _ in range(2):
        old = make_volume(size=1)
        old.provider_id = drv.create_volume(old)['provider_id']
        with hosts.attached(drv, old, host) as path:
            for offset in OFFSETS:
                hosts.write_at(path, offset, secret)
        drv.delete_volume(old)
    new = make_volume(size=1)
    new.provider_id = drv.create_volume(new)['provider_id']
    with hosts.attached(drv, new, host) as path:
        # Where the old volumes had their data; the files are checked
        # block by block in test_files.
        for offset in OFFSETS:
            assert hosts.read_at(path, offset, MIB) == bytes(MIB)
