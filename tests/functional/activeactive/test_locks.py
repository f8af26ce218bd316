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

"""The driver's per-volume lock is one lock for the whole cluster."""

import uuid

from tests.functional.activeactive import checks
from tests.functional.activeactive import hold


def test_access_lock_is_held_in_etcd_across_services(services, sim, etcd):
    a, b = services
    volume_id = str(uuid.uuid4())
    assert a.call('create_volume', id=volume_id, size=1) == 'available'
    assert etcd.keys() == []
    future = hold.start_attach(sim, a, volume_id)
    try:
        lock = hold.access_lock(volume_id)
        keys = etcd.keys()
        assert [k for k in keys if k.endswith(lock)], keys
        # node-b cannot take the lock node-a's driver holds.
        assert b.call('try_lock', name=hold.access_lock(volume_id)) is False
    finally:
        attached = hold.finish(sim, future)
    assert b.call('try_lock', name=hold.access_lock(volume_id)) is True
    b.call('release_lock', name=hold.access_lock(volume_id))
    assert etcd.keys() == []
    a.call('detach', volume_id=volume_id,
           attachment_id=attached['attachment_id'])
    checks.assert_consistent(sim, a.call('records'))


def test_file_locks_do_not_exclude_another_host(cluster, sim, tmp_path):
    """The check above fails when each service has its own file:// locks.

    Two hosts with tooz's file driver (what a single-host deployment and
    the other tests use) each lock in their own directory: node-b gets the
    lock node-a's driver holds, which is why a cluster needs etcd.
    """
    a, b = cluster.start(
        'node-a', 'node-b',
        coordination=lambda name: 'file://%s' % (tmp_path / name / 'tooz'))
    volume_id = str(uuid.uuid4())
    assert a.call('create_volume', id=volume_id, size=1) == 'available'
    future = hold.start_attach(sim, a, volume_id)
    try:
        assert b.call('try_lock', name=hold.access_lock(volume_id)) is True
        b.call('release_lock', name=hold.access_lock(volume_id))
    finally:
        hold.finish(sim, future)
