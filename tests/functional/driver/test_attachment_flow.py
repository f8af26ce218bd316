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

"""Same-host multi-attach through Cinder's own attachment flow."""

import threading
import uuid

from cinder.api import microversions
from cinder.api.openstack import api_version_request
from cinder.api.openstack import wsgi
from cinder.api.v3 import attachments as attachments_api
from cinder import context as cinder_context
from cinder import coordination
from cinder.db import api as db
from cinder import objects
from cinder.objects import fields
from cinder import service
from oslo_serialization import jsonutils
import pytest

from lightos_cinder import driver
from tests.functional import cinder_objects
from tests.functional import cinderservices
from tests.functional.driver import helpers
from tests.functional import simstate

BACKEND = 'lightos-a'
# Cinder (in this process) removes the attachment of a completed detach
# within this; a test that waits it out for an interrupted detach pays it.
SETTLE = 5
# How long a test gives a detach to reach its wait for another detach.
REACH_WAIT = 0.5


@pytest.fixture(scope='module')
def cinder(simulator, cinder_database, tmp_path_factory):
    """cinder-scheduler, -backup and -volume (one backend) in process."""
    services = cinderservices.CinderServices(
        str(tmp_path_factory.mktemp('cinder')),
        {BACKEND: simulator.cinder_conf(BACKEND) +
         'lightos_detach_settle_time = %d\n' % SETTLE}, cinder_database)
    services.start()
    yield services
    services.stop()


@pytest.fixture
def nova():
    """Nova's requests: a user's context with Nova's service token."""
    return cinder_context.RequestContext(
        user_id='nova', project_id='tenant-%s' % uuid.uuid4().hex[:8],
        roles=['member', 'reader'],
        service_roles=['service'])


@pytest.fixture
def volume(sim, cinder, nova):
    vtype = cinder.create_type('multiattach-%s' % uuid.uuid4().hex[:8], {
        'volume_backend_name': BACKEND, 'multiattach': '<is> True'})
    return cinder.create_volume(nova, vtype)


def _attach(cinder, ctxt, volume, connector):
    """Nova's attachment_create with a connector: ends 'attaching'."""
    volume = objects.Volume.get_by_id(ctxt, volume.id)
    return cinder.volume_api.attachment_create(
        ctxt, volume, str(uuid.uuid4()), connector=dict(connector))


def _complete(ctxt, attachment):
    """Nova's os-complete, through cinder-api's controller."""
    request = wsgi.Request.blank('/v3/%s/attachments/%s/action' % (
        ctxt.project_id, attachment.id))
    request.environ['cinder.context'] = ctxt
    request.api_version_request = api_version_request.APIVersionRequest(
        microversions.NEW_ATTACH_COMPLETION)
    attachments_api.AttachmentsController().complete(
        request, attachment.id, body={'os-complete': {}})


def _attach_twice(cinder, ctxt, volume, connector):
    """Two servers on one host, both attached."""
    attached = []
    for _server in range(2):
        attached.append(_attach(cinder, ctxt, volume, connector))
        _complete(ctxt, attached[-1])
    return attached


def _detach(cinder, ctxt, attachment):
    cinder.volume_api.attachment_delete(
        ctxt, objects.VolumeAttachment.get_by_id(ctxt, attachment.id))


def _acl(sim, volume):
    """The cluster's NVMe ACL of the volume, from the simulator's state."""
    record = simstate.volume_named(sim, 'volume-%s' % volume.id)
    assert record is not None, volume.id
    return record['acl']['values']


def _status(ctxt, attachment):
    return objects.VolumeAttachment.get_by_id(
        ctxt, attachment.id).attach_status


def test_detach_keeps_access_of_an_attaching_same_host_attachment(
        sim, cinder, nova, volume):
    host = cinder_objects.connector(1)
    first = _attach(cinder, nova, volume, host)
    _complete(nova, first)
    # The second server on the host: attachment_update done, Nova has not
    # called attachment_complete yet.
    second = _attach(cinder, nova, volume, host)
    assert _status(nova, second) == fields.VolumeAttachStatus.ATTACHING

    _detach(cinder, nova, first)
    assert _acl(sim, volume) == [host['nqn']]

    _complete(nova, second)
    _detach(cinder, nova, second)
    assert _acl(sim, volume) == simstate.NONE


def test_racing_same_host_detaches_leave_no_access(sim, cinder, nova, volume):
    host = cinder_objects.connector(2)
    first, second = _attach_twice(cinder, nova, volume, host)
    manager = cinder.volume_managers[BACKEND]

    # The first detach's volume-service half (terminate_connection) is done
    # but cinder-api has not yet marked the attachment detached when the
    # second detach arrives: the order two concurrent detaches can take.
    admin = cinder_context.get_admin_context()
    manager.attachment_delete(admin, first.id,
                              objects.Volume.get_by_id(admin, volume.id))
    assert _acl(sim, volume) == [host['nqn']]
    detach = threading.Thread(target=_detach, args=(cinder, nova, second))
    detach.start()
    # cinder-api finishes the first detach while the second one waits.
    detach.join(REACH_WAIT)
    objects.Volume.get_by_id(admin, volume.id).finish_detach(first.id)
    detach.join()

    assert _acl(sim, volume) == simstate.NONE
    assert objects.VolumeAttachmentList.get_all_by_volume_id(
        admin, volume.id).objects == []
    _assert_nothing_remembered(admin, volume)


def _assert_nothing_remembered(admin, volume):
    metadata = objects.Volume.get_by_id(admin, volume.id).admin_metadata
    assert not [key for key in metadata if key.startswith('lightos')]


def _cluster_service(sim, name, **options):
    """The driver of another cinder-volume service of the cluster."""
    service = driver.LightOSVolumeDriver(
        configuration=helpers.backend_config(sim, **options),
        host='%s@%s' % (name, BACKEND),
        cluster_name='lightos-cluster@%s' % BACKEND, is_vol_db_empty=False)
    service.do_setup(cinder_context.get_admin_context())
    return service


@pytest.fixture
def other_service(sim):
    """The driver of a second cinder-volume service of the cluster."""
    other = _cluster_service(sim, 'other',
                             lightos_detach_settle_time=SETTLE)
    yield other
    other._client.transport.close()


def test_same_host_detaches_on_two_services_leave_no_access(
        sim, cinder, nova, volume, other_service):
    """Active-active: the second detach is handled by another service."""
    host = cinder_objects.connector(3)
    first, second = _attach_twice(cinder, nova, volume, host)
    admin = cinder_context.get_admin_context()

    cinder.volume_managers[BACKEND].attachment_delete(
        admin, first.id, objects.Volume.get_by_id(admin, volume.id))
    assert _acl(sim, volume) == [host['nqn']]
    stored = objects.VolumeAttachment.get_by_id(admin, second.id)
    shared = []
    detach = threading.Thread(target=lambda: shared.append(
        other_service.terminate_connection(
            objects.Volume.get_by_id(admin, volume.id), stored.connector)))
    detach.start()
    detach.join(REACH_WAIT)
    objects.Volume.get_by_id(admin, volume.id).finish_detach(first.id)
    detach.join()
    assert shared == [False]
    assert _acl(sim, volume) == simstate.NONE

    objects.Volume.get_by_id(admin, volume.id).finish_detach(second.id)
    _assert_nothing_remembered(admin, volume)


def test_a_retried_detach_keeps_access_another_attachment_uses(
        sim, cinder, nova, volume):
    """A detach retried after Cinder did not complete it counts once.

    cinder-api died (or gave up) after the volume service's half of a
    detach kept the host's access: the attachment stays, and the detach
    is retried. Counted twice, the retry revoked the host although the
    other attachment still used it.
    """
    host = cinder_objects.connector(6)
    first, second = _attach_twice(cinder, nova, volume, host)
    admin = cinder_context.get_admin_context()
    cinder.volume_managers[BACKEND].attachment_delete(
        admin, first.id, objects.Volume.get_by_id(admin, volume.id))

    _detach(cinder, nova, first)
    assert _acl(sim, volume) == [host['nqn']]
    assert _status(nova, second) == fields.VolumeAttachStatus.ATTACHED

    _detach(cinder, nova, second)
    assert _acl(sim, volume) == simstate.NONE
    _assert_nothing_remembered(admin, volume)


# A detach on the old code finishes well within this; with the fix it waits
# for the attachment update in flight (it never returns before the release).
DETACH_BOUND = 2


def test_a_detach_waits_for_an_attachment_update_in_flight(
        sim, cinder, nova, volume):
    """cinder-api's attachment_update lock spans grant and connector write.

    A same-host detach that took the volume lock right after the driver
    granted access to a new attachment, but before the volume manager
    stored that attachment's connector, found no other attachment and
    revoked the access the new one was about to use.
    """
    host = cinder_objects.connector(4)
    first = _attach(cinder, nova, volume, host)
    _complete(nova, first)
    # Nova's attachment_create without a connector: 'reserved'.
    second = cinder.volume_api.attachment_create(
        nova, objects.Volume.get_by_id(nova, volume.id), str(uuid.uuid4()))
    manager = cinder.volume_managers[BACKEND]
    admin = cinder_context.get_admin_context()
    detach = threading.Thread(target=_detach, args=(cinder, nova, first))

    # What cinder-api's attachment_update holds around the manager's call;
    # inside it the two steps of the manager's _connection_create.
    with coordination.COORDINATOR.get_lock('attachment_update-%s-%s' % (
            volume.id, host['host'])):
        manager.driver.initialize_connection(
            objects.Volume.get_by_id(admin, volume.id), host)
        detach.start()
        detach.join(DETACH_BOUND)
        db.volume_attachment_update(admin, second.id, {
            'attach_status': fields.VolumeAttachStatus.ATTACHING,
            'connector': jsonutils.dumps(host)})
    detach.join()
    assert _acl(sim, volume) == [host['nqn']]


# Server errors in a row on every node's reads of the volume: one fails
# the attach's confirming read; with two, the withdrawal's first read meets
# the second (soak seed 3, step 130, with 502s on every node).
@pytest.mark.parametrize('errors', [1, 2])
def test_a_failed_attach_leaves_no_access(sim, cinder, nova, volume, errors):
    """An attach that raises after its grant applied withdraws the grant.

    Cinder keeps no connector for an attachment whose update failed, so its
    deletion never reaches the driver. The withdrawal rides out the burst
    of errors that failed the attach.
    """
    host = cinder_objects.connector(5 + 5 * (errors - 1))
    uuid = volume.provider_id.split()[1]
    # On every node the first read of the volume (the attach's lookup)
    # passes, the next ones (after the grant's PUT) get a 500.
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'status', status=500, method='GET',
                      path='/volumes/%s' % uuid, after=1, count=errors)
    with pytest.raises(Exception) as info:
        _attach(cinder, nova, volume, host)
    assert 'grant host %s access' % host['nqn'] in str(info.value)
    sim.clear_faults()
    assert _acl(sim, volume) == simstate.NONE


@pytest.fixture
def impatient_service(sim):
    """A service of the cluster whose calls give up after 3 seconds."""
    service = _cluster_service(sim, 'impatient',
                               lightos_api_request_deadline=3)
    yield service
    service._client.transport.close()


def test_a_grant_that_cannot_be_withdrawn_names_the_safe_cleanup(
        sim, cinder, volume, impatient_service, caplog):
    """The error says how to remove the access without touching others.

    A force detach without the attachment's id detaches whichever
    attachment Cinder finds, so the message asks for both.
    """
    host = cinder_objects.connector(20)
    uuid = volume.provider_id.split()[1]
    # Every read after the grant's PUT fails, past the withdrawal's bound.
    for node in range(len(sim.addresses)):
        sim.set_fault(node, 'status', status=500, method='GET',
                      path='/volumes/%s' % uuid, after=1)
    admin = cinder_context.get_admin_context()
    with pytest.raises(Exception):
        impatient_service.initialize_connection(
            objects.Volume.get_by_id(admin, volume.id), host)
    sim.clear_faults()
    assert _acl(sim, volume) == [host['nqn']]
    [message] = [r.getMessage() for r in caplog.records
                 if 'may keep access' in r.getMessage()]
    assert host['nqn'] in message
    assert "os-force_detach action with both the failed attachment's id" \
        in message


def test_an_attach_refused_for_a_full_ip_acl_keeps_no_grant(
        sim, cinder, nova, volume):
    """The refusal withdraws the grant recorded before the update."""
    holder = cinder_objects.connector(
        11, ips=['10.30.0.%d' % i for i in range(1, 17)])
    _complete(nova, _attach(cinder, nova, volume, holder))
    # Only a link-local address: it ranks below every held entry.
    host = cinder_objects.connector(12, ips=['fe80::12'])
    with pytest.raises(Exception) as info:
        _attach(cinder, nova, volume, host)
    assert 'IP-ACL is full' in str(info.value)
    assert _acl(sim, volume) == [holder['nqn']]
    metadata = objects.Volume.get_by_id(
        cinder_context.get_admin_context(), volume.id).admin_metadata
    assert [key for key in metadata if host['nqn'] in key] == []


@pytest.fixture
def restart(cinder):
    """Start the backend's cinder-volume again (its init_host) in process.

    What remains of a killed run is Cinder's database and the cluster; the
    new run's recovery is Cinder's own init_host with a fresh driver.
    """
    started = []

    def run():
        running = cinder.volume_managers[BACKEND]
        again = service.Service(
            host=cinder.backend_host(BACKEND), binary='cinder-volume',
            topic='cinder-volume',
            manager='cinder.volume.manager.VolumeManager',
            service_name=BACKEND, coordination=False)
        started.append(again)
        again.manager.init_host(added_to_cluster=None,
                                service_id=running.service_id)
        assert again.manager.driver.initialized
    yield run
    for again in started:
        again.manager.driver._client.transport.close()


def _grant_then_die(cinder, nova, volume, host):
    """An attach killed between the grant and Cinder storing the connector.

    Inside cinder-api's attachment_update lock, the first step of the
    manager's _connection_create runs; the process then dies, so the second
    (the attachment's connector write) never happens.
    """
    attachment = cinder.volume_api.attachment_create(
        nova, objects.Volume.get_by_id(nova, volume.id), str(uuid.uuid4()))
    admin = cinder_context.get_admin_context()
    with coordination.COORDINATOR.get_lock('attachment_update-%s-%s' % (
            volume.id, host['host'])):
        cinder.volume_managers[BACKEND].driver.initialize_connection(
            objects.Volume.get_by_id(admin, volume.id), host)
    return attachment


def test_a_restart_withdraws_a_grant_cinder_never_stored(
        sim, cinder, nova, volume, restart):
    host = cinder_objects.connector(7)
    attachment = _grant_then_die(cinder, nova, volume, host)
    assert _acl(sim, volume) == [host['nqn']]

    restart()
    assert _acl(sim, volume) == simstate.NONE
    # What Nova does about the attach that failed with the kill.
    _detach(cinder, nova, attachment)
    assert _acl(sim, volume) == simstate.NONE
    _assert_nothing_remembered(cinder_context.get_admin_context(), volume)


def test_a_restart_keeps_access_an_attachment_holds(
        sim, cinder, nova, volume, restart):
    host, other = cinder_objects.connector(8), cinder_objects.connector(9)
    attached = _attach(cinder, nova, volume, host)
    _complete(nova, attached)
    _grant_then_die(cinder, nova, volume, other)

    restart()
    assert _acl(sim, volume) == [host['nqn']]
    _assert_nothing_remembered(cinder_context.get_admin_context(), volume)
    _detach(cinder, nova, attached)
    assert _acl(sim, volume) == simstate.NONE


def test_a_restart_keeps_access_of_a_legacy_attach(
        sim, cinder, nova, volume, restart):
    """The legacy flow stores no connector, and for a server no host."""
    host = cinder_objects.connector(10)
    api = cinder.volume_api
    api.reserve_volume(nova, objects.Volume.get_by_id(nova, volume.id))
    api.initialize_connection(nova, objects.Volume.get_by_id(
        nova, volume.id), dict(host))
    attachment = api.attach(nova, objects.Volume.get_by_id(nova, volume.id),
                            str(uuid.uuid4()), None, '/dev/vdb', 'rw')
    assert attachment.connector is None and attachment.attached_host is None

    restart()
    assert _acl(sim, volume) == [host['nqn']]
    # Nova's legacy detach revokes it and drops the record.
    api.begin_detaching(nova, objects.Volume.get_by_id(nova, volume.id))
    api.terminate_connection(nova, objects.Volume.get_by_id(
        nova, volume.id), dict(host))
    api.detach(nova, objects.Volume.get_by_id(nova, volume.id),
               attachment.id)
    assert _acl(sim, volume) == simstate.NONE
    _assert_nothing_remembered(cinder_context.get_admin_context(), volume)


def test_a_restart_keeps_access_of_a_backup_in_flight(
        sim, cinder, nova, volume, restart):
    """cinder-backup reads the volume through initialize_connection only."""
    backup_host = cinder_objects.connector(11, host='backup-1')
    admin = cinder_context.get_admin_context()
    source = objects.Volume.get_by_id(admin, volume.id)
    # What the backup API does before it casts to cinder-backup, and what
    # cinder-backup's _attach_device then asks the volume service.
    assert source.conditional_update(
        {'status': 'backing-up', 'previous_status': source.status},
        {'status': 'available'})
    rpc = cinder.volume_api.volume_rpcapi
    rpc.initialize_connection(admin, source, dict(backup_host))

    restart()
    assert _acl(sim, volume) == [backup_host['nqn']]
    rpc.terminate_connection(admin, source, dict(backup_host), force=True)
    assert _acl(sim, volume) == simstate.NONE
    source.update({'status': 'available', 'previous_status': None})
    source.save()
    _assert_nothing_remembered(admin, volume)
