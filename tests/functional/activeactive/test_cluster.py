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

"""Two cinder-volume services of one cluster racing on one backend."""

import uuid

from tests.functional.activeactive import checks
from tests.functional.activeactive import cluster as cluster_mod
from tests.functional import cinder_objects


def _new_id():
    return str(uuid.uuid4())


def _results(futures):
    return [f.result(cluster_mod.REPLY_TIMEOUT) for f in futures]


def _create(svc, size=1):
    volume_id = _new_id()
    assert svc.call('create_volume', id=volume_id, size=size) == 'available'
    return volume_id


def test_attach_detach_from_both_services(services, sim):
    a, b = services
    volume_id = _create(a)
    hosts = [cinder_objects.connector(index) for index in range(8)]
    attached = _results([(a, b)[i % 2].submit(
        'attach', volume_id=volume_id, connector=conn)
        for i, conn in enumerate(hosts)])
    records = a.call('records')
    (volume,) = records['volumes']
    assert len([x for x in volume['attachments']
                if x['attach_status'] == 'attached']) == 8
    checks.assert_consistent(sim, records)

    # Detach every other host, each from the service that did not attach it.
    _results([(b, a)[i % 2].submit(
        'detach', volume_id=volume_id,
        attachment_id=attached[i]['attachment_id'])
        for i in range(0, 8, 2)])
    checks.assert_consistent(sim, a.call('records'))
    _results([(a, b)[i % 2].submit(
        'detach', volume_id=volume_id,
        attachment_id=attached[i]['attachment_id'])
        for i in range(1, 8, 2)])
    records = b.call('records')
    assert records['volumes'][0]['status'] == 'available'
    checks.assert_consistent(sim, records)


def test_snapshots_and_clones_of_one_source(services, sim):
    a, b = services
    source = _create(b)
    snapshots = [_new_id() for _ in range(4)]
    clones = [_new_id() for _ in range(4)]
    futures = [(a, b)[i % 2].submit('create_snapshot', id=snap,
                                    volume_id=source)
               for i, snap in enumerate(snapshots)]
    futures += [(b, a)[i % 2].submit('create_volume', id=clone, size=2,
                                     source_volid=source)
                for i, clone in enumerate(clones)]
    assert set(_results(futures)) == {'available'}
    records = a.call('records')
    assert len(records['snapshots']) == 4 and len(records['volumes']) == 5
    checks.assert_consistent(sim, records)

    # A volume from each snapshot, then everything deleted from both.
    from_snaps = [_new_id() for _ in snapshots]
    assert set(_results([(a, b)[i % 2].submit(
        'create_volume', id=vol, size=1, snapshot_id=snap)
        for i, (vol, snap) in enumerate(zip(from_snaps, snapshots))])) == {
            'available'}
    checks.assert_consistent(sim, b.call('records'))
    _results([(a, b)[i % 2].submit('delete_volume', id=vol)
              for i, vol in enumerate(clones + from_snaps)] +
             [(b, a)[i % 2].submit('delete_snapshot', id=snap)
              for i, snap in enumerate(snapshots)])
    b.call('delete_volume', id=source)
    records = a.call('records')
    assert records['volumes'] == [] and records['snapshots'] == []
    checks.assert_consistent(sim, records)


def test_extend_racing_attach(services, sim):
    """Size and ACL changes of one LightOS volume from two services.

    Cinder's API would refuse an attach while the volume is extending; the
    services are called directly here so that the driver's two updates of
    the same LightOS volume really race (and the volume's Cinder status,
    restored by the extend, is not what this test checks).
    """
    a, b = services
    volume_id = _create(a)
    futures = [a.submit('extend_volume', id=volume_id, new_size=3)]
    futures += [b.submit('attach', volume_id=volume_id,
                         connector=cinder_objects.connector(index))
                for index in range(3)]
    extended = futures[0].result(cluster_mod.REPLY_TIMEOUT)
    _results(futures[1:])
    assert extended[1] == 3
    records = b.call('records')
    (volume,) = records['volumes']
    assert volume['size'] == 3
    assert [a['attach_status'] for a in volume['attachments']] == [
        'attached'] * 3
    checks.assert_consistent(sim, records)


def test_create_delete_storm(services, sim):
    a, b = services
    ids = [_new_id() for _ in range(12)]
    assert set(_results([(a, b)[i % 2].submit('create_volume', id=vol,
                                              size=1 + i % 3)
                         for i, vol in enumerate(ids)])) == {'available'}
    checks.assert_consistent(sim, a.call('records'))
    # Each volume deleted by the service that did not create it, while
    # new ones are created.
    more = [_new_id() for _ in range(6)]
    _results([(b, a)[i % 2].submit('delete_volume', id=vol)
              for i, vol in enumerate(ids)] +
             [(a, b)[i % 2].submit('create_volume', id=vol, size=1)
              for i, vol in enumerate(more)])
    records = b.call('records')
    assert sorted(v['id'] for v in records['volumes']) == sorted(more)
    checks.assert_consistent(sim, records)
