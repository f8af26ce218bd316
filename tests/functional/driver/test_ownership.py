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

"""The driver touches only what its Cinder volume owns, via Cinder's paths."""

import uuid

from cinder import context as cinder_context
from cinder import exception as cinder_exception
from cinder import objects
from oslo_config import cfg
from oslo_utils import timeutils
from oslo_utils import units
import pytest

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from lightos_cinder.volume import hostcopy
from tests.functional import cinder_objects
from tests.functional import cinderservices
from tests.functional import simstate

CONF = cfg.CONF

BACKEND = 'lightos-own'
# The image-volume cache keeps its volumes in Cinder's internal tenant.
INTERNAL = {'cinder_internal_tenant_project_id': 'cinder-internal',
            'cinder_internal_tenant_user_id': 'cinder-internal-user'}


@pytest.fixture(scope='module')
def cinder_services(simulator, cinder_database, tmp_path_factory):
    """cinder-volume (image-volume cache on), scheduler and backup."""
    for name, value in INTERNAL.items():
        CONF.set_override(name, value)
    services = cinderservices.CinderServices(
        str(tmp_path_factory.mktemp('cinder-own')),
        {BACKEND: simulator.cinder_conf(BACKEND) +
         'image_volume_cache_enabled = True\n'}, cinder_database)
    services.start()
    yield services
    services.stop()
    for name in INTERNAL:
        CONF.clear_override(name)


@pytest.fixture
def services(sim, cinder_services):
    return cinder_services


@pytest.fixture(scope='module')
def volume_types(cinder_services):
    """The types of the tests, made before any service is busy.

    sqlite fails a write at once ("database is locked") when it races a
    transaction of cinder-volume's that reads then writes (the quota
    commit after a delete); nothing else is written here between tests.
    """
    types = {}
    for label, project in (('default', None), ('a', 'tenant-a'),
                           ('b', 'tenant-b')):
        extra_specs = {'volume_backend_name': BACKEND}
        if project:
            extra_specs['lightos:project_name'] = project
        types[label] = cinder_services.create_type(
            'own-%s-%s' % (label, uuid.uuid4().hex[:8]), extra_specs)
    return types


@pytest.fixture
def vtype(volume_types):
    return volume_types['default']


def _records_of(sim, project):
    """``{name: (UUID, state)}`` of a project's volumes and snapshots."""
    return {r['name']: (r['UUID'], r['state']) for r in simstate.volumes(
        sim, project) + simstate.snapshots(sim, project)}


def _records(sim):
    return _records_of(sim, 'default')


def test_failed_image_cache_clone_keeps_its_source(sim, services, vtype):
    """The image volume Cinder deletes has the source's provider_id.

    The clone failed, so Cinder deletes the new image volume; the source
    must survive on the cluster.
    """
    ctxt = services.context('tenant-1')
    source = services.create_volume(ctxt, vtype)
    before = _records(sim)
    assert list(before) == ['volume-%s' % source.id]
    # The clone's create fails on every node.
    for node in range(3):
        sim.set_fault(node, 'status', status=500, path=r'/volumes$')
    image_meta = {'id': str(uuid.uuid4()), 'disk_format': 'raw',
                  'container_format': 'bare', 'size': units.Gi,
                  'updated_at': timeutils.utcnow(), 'properties': {}}
    manager = services.volume_managers[BACKEND]
    # What the create-from-image flow calls once the image is in the volume.
    manager._create_image_cache_volume_entry(
        cinder_context.get_internal_tenant_context(), source,
        image_meta['id'], image_meta)
    sim.clear_faults()

    admin = cinder_context.get_admin_context(read_deleted='yes')
    clones = objects.VolumeList.get_all(
        admin, filters={'source_volid': source.id})
    # Cinder made the image volume with the source's provider_id and
    # deleted it after the failed clone.
    assert [(c.provider_id, c.status) for c in clones] == [
        (source.provider_id, 'deleted')]
    assert _records(sim) == before
    assert before['volume-%s' % source.id][1] == 'Available'
    assert objects.Volume.get_by_id(ctxt, source.id).status == 'available'
    services.delete_volume(ctxt, source.id)
    assert _records(sim) == {}


def _stamped_with(make_volume, other):
    """A Cinder volume whose provider_id Cinder copied from ``other``."""
    return make_volume(provider_id=other.provider_id)


@pytest.mark.parametrize('operation', ['delete', 'extend', 'attach',
                                       'revert', 'retype'])
def test_a_copied_provider_id_never_reaches_the_source(
        sim, drv, make_volume, make_snapshot, make_type, operation):
    source = make_volume()
    source.provider_id = drv.create_volume(source)['provider_id']
    snapshot = make_snapshot(source)
    drv.create_snapshot(snapshot)
    before = _records(sim)
    other = _stamped_with(make_volume, source)
    calls = {
        'delete': lambda: drv.delete_volume(other),
        'extend': lambda: drv.extend_volume(other, 2),
        'attach': lambda: drv.initialize_connection(
            other, cinder_objects.connector(1)),
        'revert': lambda: drv.revert_to_snapshot(None, other, snapshot),
        'retype': lambda: drv.retype(None, other, None, {
            'extra_specs': {'compression': ('<is> False', '<is> True')}},
            None),
    }
    if operation == 'delete':
        calls[operation]()
    else:
        with pytest.raises(cinder_exception.VolumeNotFound) as info:
            calls[operation]()
        assert other.id in str(info.value)
    after = simstate.volume_named(sim, 'volume-%s' % source.id)
    assert _records(sim) == before
    assert simstate.size(after) == units.Gi
    assert after['acl']['values'] == simstate.NONE
    assert after['compression'] == 'false'


def test_a_copied_snapshot_provider_id_never_reaches_the_source(
        sim, drv, ctx, make_volume, make_snapshot):
    volume = make_volume()
    volume.provider_id = drv.create_volume(volume)['provider_id']
    # Only its row in Cinder's database tells that snapshot-<id> is taken.
    row = objects.Snapshot(context=ctx, volume_id=volume.id, volume_size=1,
                           status='available', user_id='u', project_id='p')
    row.create()
    kept = make_snapshot(volume, id=row.id)
    drv.create_snapshot(kept)
    kept_uuid = simstate.snapshots(sim)[0]['UUID']
    other = make_snapshot(volume, provider_id='default %s' % kept_uuid)
    drv.delete_snapshot(other)
    assert [(s['name'], s['UUID']) for s in simstate.snapshots(sim)] == [
        ('snapshot-%s' % kept.id, kept_uuid)]


def test_a_managed_snapshot_keeps_its_name_and_is_found(
        sim, drv, make_volume, make_snapshot):
    """Managed again after an unmanage: the old name names no snapshot."""
    volume = make_volume()
    volume.provider_id = drv.create_volume(volume)['provider_id']
    first = make_snapshot(volume)
    drv.create_snapshot(first)
    managed = make_snapshot(volume)
    managed.update(drv.manage_existing_snapshot(
        managed, {'source-name': 'snapshot-%s' % first.id}))
    drv.delete_snapshot(managed)
    assert simstate.snapshots(sim) == []


def _wait_gone(ctxt, volume_id):
    """Wait until Cinder deleted the volume (error_managing ones too)."""
    def probe():
        try:
            volume = objects.Volume.get_by_id(ctxt, volume_id)
        except cinder_exception.VolumeNotFound:
            return True
        raise exception.NotReady(volume.status)
    waiters.wait_for(probe, timeout=cinderservices.STATE_TIMEOUT,
                     interval=0.05, max_interval=0.5,
                     what='volume %s to be deleted' % volume_id)


def _settled(read_status):
    """The status once Cinder has finished managing (either way)."""
    def probe():
        status = read_status()
        if status in ('creating', 'managing'):
            raise exception.NotReady(status)
        return status
    return waiters.wait_for(probe, timeout=cinderservices.STATE_TIMEOUT,
                            interval=0.05, max_interval=0.5,
                            what='a manage to finish')


def _uuid_of(sim, name):
    return simstate.volume_named(sim, name)['UUID']


def test_manage_refuses_a_volume_another_cinder_volume_owns(
        sim, services, vtype):
    ctxt = services.context('tenant-1')
    owner = services.create_volume(ctxt, vtype)
    owned = 'volume-%s' % owner.id
    before = _records(sim)
    taken = services.volume_api.manage_existing(
        ctxt, '%s#%s' % (services.backend_host(BACKEND), BACKEND), None,
        {'source-id': _uuid_of(sim, owned)}, volume_type=vtype)
    assert _settled(lambda: objects.Volume.get_by_id(
        ctxt, taken.id).status) == 'error_managing'
    assert _records(sim) == before
    # Deleting the refused volume leaves the owner's data.
    refused = objects.Volume.get_by_id(ctxt, taken.id)
    services.volume_api.delete(ctxt, refused)
    _wait_gone(ctxt, taken.id)
    assert _records(sim) == before
    services.delete_volume(ctxt, owner.id)
    assert _records(sim) == {}


def test_manage_refuses_a_snapshot_another_cinder_snapshot_owns(
        sim, services, vtype):
    ctxt = services.context('tenant-1')
    volume = services.create_volume(ctxt, vtype)
    owner = services.volume_api.create_snapshot(ctxt, volume, 'owner', '')
    cinderservices.wait_for_state(
        lambda: objects.Snapshot.get_by_id(ctxt, owner.id).status,
        'available', 'snapshot %s to be available' % owner.id)
    before = _records(sim)
    uuid_of_owned = simstate.snapshots(sim)[0]['UUID']
    taken = services.volume_api.manage_existing_snapshot(
        ctxt, {'source-id': uuid_of_owned}, volume)
    assert _settled(lambda: objects.Snapshot.get_by_id(
        ctxt, taken.id).status) == 'error'
    services.volume_api.delete_snapshot(
        ctxt, objects.Snapshot.get_by_id(ctxt, taken.id))
    services.wait_deleted(objects.Snapshot, ctxt, taken.id)
    assert _records(sim) == before


def test_a_clone_whose_snapshot_stays_is_available_and_cleaned_later(
        sim, services, vtype):
    ctxt = services.context('tenant-1')
    source = services.create_volume(ctxt, vtype)
    for node in range(3):
        sim.set_fault(node, 'status', status=500, path=r'/snapshots/',
                      method='DELETE')
    clone = services.volume_api.create(ctxt, 1, 'clone', None,
                                       volume_type=vtype,
                                       source_volume=source)
    clone = services.wait_volume(ctxt, clone.id, 'available')
    sim.clear_faults()
    records = _records(sim)
    assert sorted(records) == sorted([
        'volume-%s' % source.id, 'volume-%s' % clone.id,
        'for_clone_%s' % clone.id])
    assert clone.provider_id == 'default %s' % records[
        'volume-%s' % clone.id][0]
    services.delete_volume(ctxt, clone.id)
    assert list(_records(sim)) == ['volume-%s' % source.id]


def test_deleting_a_volume_whose_copy_died_removes_its_temporary_source(
        sim, services, volume_types):
    """cinder-volume died while copying a snapshot into another project.

    What it left: Cinder's row of the new volume, in error as start-up
    recovery leaves a volume that was creating, and on the cluster the
    temporary clone of the snapshot, still open to the host. Deleting the
    snapshot, then the volume, through Cinder must leave no trace.
    """
    for project in ('tenant-a', 'tenant-b'):
        sim.create_project(project)
    ctxt = services.context('tenant-1')
    type_a, type_b = volume_types['a'], volume_types['b']
    source = services.create_volume(ctxt, type_a)
    snapshot = services.volume_api.create_snapshot(ctxt, source, 's', '')
    cinderservices.wait_for_state(
        lambda: objects.Snapshot.get_by_id(ctxt, snapshot.id).status,
        'available', 'snapshot %s to be available' % snapshot.id)
    before = _records_of(sim, 'tenant-a')
    copy = objects.Volume(
        context=ctxt, size=1, status='error', attach_status='detached',
        host='%s#%s' % (services.backend_host(BACKEND), BACKEND),
        volume_type_id=type_b.id, snapshot_id=snapshot.id,
        project_id=ctxt.project_id, user_id=ctxt.user_id,
        availability_zone='nova')
    copy.create()
    temporary = 'volume-%s' % hostcopy.temporary_volume_id(copy)
    driver = services.volume_managers[BACKEND].driver
    driver._client.create_volume(
        'tenant-a', temporary, units.Gi, replica_count=3, compression=False,
        acl=[cinder_objects.connector(1)['nqn']],
        source_snapshot_uuid=simstate.snapshots(sim, 'tenant-a')[0]['UUID'])
    assert temporary in _records_of(sim, 'tenant-a')

    services.volume_api.delete_snapshot(ctxt, snapshot)
    services.wait_deleted(objects.Snapshot, ctxt, snapshot.id)
    services.delete_volume(ctxt, copy.id)
    assert _records_of(sim, 'tenant-a') == {
        name: record for name, record in before.items()
        if name == 'volume-%s' % source.id}
    assert _records_of(sim, 'tenant-b') == {}
