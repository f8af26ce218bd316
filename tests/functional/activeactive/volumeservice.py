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

"""One clustered cinder-volume service in its own process.

Run as ``python -m tests.functional.activeactive.volumeservice CONF OWN HOST``
(cinder.conf of the cluster, this service's own overrides; or
``CONF CONF --db-sync`` once, to create the shared database).
The process is what cinder-volume is for one backend of a cluster: Cinder's
Service (its row in the shared database, with the cluster name, started
and sending heartbeats) and VolumeManager with the LightOS driver, Cinder's
coordinator started on the configured backend. What cinder-api would cast
to the cluster arrives as JSON lines on stdin instead of RPC messages; each
runs in its own thread, as the RPC server's executor would run it, and its
outcome goes back as a JSON line on stdout. The records it creates are what
cinder-api would have written before casting. The workers cleanup goes
through Cinder's API controller and scheduler in this process (see
``scheduler``).
"""

import json
import os
import sys
import threading
import traceback
import uuid

from tests.functional.activeactive import scheduler

BACKEND = 'lightos'
CLUSTER = 'lightos-cluster'
PROJECT = 'aa-project'
# Seconds between heartbeats; the cluster's service_down_time is a few.
REPORT_INTERVAL = 1


def _volume_row(volume, attachments):
    return {
        'id': volume.id, 'status': volume.status, 'size': volume.size,
        'name': volume.name, 'host': volume.host,
        'attachments': [
            {'id': a.id, 'attach_status': a.attach_status,
             'nqn': (a.connector or {}).get('nqn'),
             'host_ips': (a.connector or {}).get('host_ips') or []}
            for a in attachments],
    }


class VolumeService:
    """Cinder's volume service of one host of the cluster."""

    def __init__(self, host):
        from cinder import context
        from cinder import coordination
        from cinder import objects
        from cinder import service

        self.host = '%s@%s' % (host, BACKEND)
        coordination.COORDINATOR.start()
        self._service = service.Service(
            host=self.host, binary='cinder-volume', topic='cinder-volume',
            manager='cinder.volume.manager.VolumeManager',
            service_name=BACKEND, coordination=False,
            cluster='%s@%s' % (CLUSTER, BACKEND))
        self.manager = self._service.manager
        # Initialises the manager and listens to the host's and the
        # cluster's RPC topics (on the in-process transport: what cinder-api
        # and the scheduler of this process cast reaches this service).
        self._service.start()
        if not self.manager.driver.initialized:
            raise RuntimeError('the LightOS driver did not initialize')
        self.service_id = self._service.origin_service_id
        self._objects = objects
        self._context = context
        self._coordination = coordination
        self._held = {}
        self._heartbeat = threading.Thread(target=self._beat, daemon=True)
        self._heartbeat.start()
        self._scheduler = scheduler.start(self.host)

    def _beat(self):
        # Cinder's own heartbeat (report_state), on a thread of ours: it
        # runs whichever oslo.service backend this Cinder release has.
        stopped = threading.Event()
        while not stopped.wait(REPORT_INTERVAL):
            self._service.report_state()

    def ctx(self):
        return self._context.RequestContext(
            user_id='aa-user', project_id=PROJECT, is_admin=True,
            roles=['admin', 'member', 'reader'])

    def _volume(self, volume_id):
        return self._objects.Volume.get_by_id(self.ctx(), volume_id)

    def _new_volume(self, volume_id, size, **values):
        # The row cinder-api writes (with the caller's id) before casting.
        from cinder.db import api as db
        from cinder.volume import volume_types
        ctxt = self.ctx()
        db.volume_create(ctxt, dict(
            id=volume_id, size=size, status='creating',
            attach_status='detached', project_id=PROJECT, user_id='aa-user',
            host='%s#%s' % (self.host, BACKEND),
            cluster_name='%s@%s' % (CLUSTER, BACKEND),
            volume_type_id=volume_types.get_default_volume_type(ctxt)['id'],
            multiattach=True, **values))
        return self._volume(volume_id)

    # -- what cinder-api casts to the cluster --------------------------------

    def create_volume(self, id, size, source_volid=None, snapshot_id=None):
        volume = self._new_volume(id, size, source_volid=source_volid,
                                  snapshot_id=snapshot_id)
        self.manager.create_volume(self.ctx(), volume,
                                   allow_reschedule=False)
        return self._volume(id).status

    def delete_volume(self, id):
        volume = self._volume(id)
        volume.status = 'deleting'
        volume.save()
        self.manager.delete_volume(self.ctx(), volume)
        return 'deleted'

    def create_snapshot(self, id, volume_id):
        from cinder.db import api as db
        volume = self._volume(volume_id)
        db.snapshot_create(self.ctx(), dict(
            id=id, volume_id=volume_id, volume_size=volume.size,
            status='creating', project_id=PROJECT, user_id='aa-user',
            volume_type_id=volume.volume_type_id, progress='0%'))
        snapshot = self._objects.Snapshot.get_by_id(self.ctx(), id)
        self.manager.create_snapshot(self.ctx(), snapshot)
        return self._objects.Snapshot.get_by_id(self.ctx(), id).status

    def delete_snapshot(self, id):
        snapshot = self._objects.Snapshot.get_by_id(self.ctx(), id)
        snapshot.status = 'deleting'
        snapshot.save()
        self.manager.delete_snapshot(self.ctx(), snapshot)
        return 'deleted'

    def extend_volume(self, id, new_size):
        volume = self._volume(id)
        volume.previous_status = volume.status
        volume.status = 'extending'
        volume.save()
        self.manager.extend_volume(self.ctx(), volume, new_size, None)
        volume = self._volume(id)
        return [volume.status, volume.size]

    def attach(self, volume_id, connector, attachment_id=None):
        from cinder.db import api as db
        ctxt = self.ctx()
        # No instance: there is no Nova here to tell about an extend (the
        # attachment is like one of Glance's cinder store on a host). As
        # attachment_create leaves it: reserved, naming no host yet.
        attachment = db.volume_attach(ctxt, {
            'id': attachment_id or str(uuid.uuid4()),
            'volume_id': volume_id, 'attach_status': 'reserved'})
        info = self.manager.attachment_update(
            ctxt, self._volume(volume_id), dict(connector), attachment.id)
        # What os-brick's caller then reports (attachment complete).
        db.volume_attached(ctxt.elevated(), attachment.id, None,
                           connector['host'], 'na', 'rw')
        return {'attachment_id': attachment.id, 'info': sorted(info)}

    def detach(self, volume_id, attachment_id):
        from cinder.db import api as db
        ctxt = self.ctx()
        self.manager.attachment_delete(ctxt, attachment_id,
                                       self._volume(volume_id))
        db.volume_detached(ctxt.elevated(), volume_id, attachment_id)
        return self._volume(volume_id).status

    def force_detach(self, volume_id, attachment_id, connector):
        """os-force_detach with the host's connector in the request body."""
        ctxt = self.ctx()
        self.manager.terminate_connection(ctxt, volume_id, connector,
                                          force=True)
        self.manager.detach_volume(ctxt, volume_id, attachment_id,
                                   volume=self._volume(volume_id))
        return self._volume(volume_id).status

    def workers_cleanup(self, **body):
        """POST /workers/cleanup (microversion 3.24) with ``body``.

        Cinder's API controller asks the scheduler (over RPC), which casts
        a cleanup of each matching service that is down to a live service
        of its cluster: here, this one.
        """
        return scheduler.workers_cleanup(self.ctx(), body)

    def services(self):
        """``cinder service-list``: volume services by host, up or down."""
        return {s.host: {'id': s.id, 'is_up': bool(s.is_up)}
                for s in self._objects.ServiceList.get_all(
                    self.ctx(), {'binary': 'cinder-volume'})}

    # -- what the tests read -------------------------------------------------

    def records(self):
        """Cinder's records of the project (the shared database)."""
        from cinder.db import api as db
        ctxt = self._context.get_admin_context()
        volumes = self._objects.VolumeList.get_all(ctxt)
        snapshots = self._objects.SnapshotList.get_all(ctxt, {})
        workers = db.worker_get_all(ctxt)
        return {
            'volumes': [_volume_row(
                v, self._objects.VolumeAttachmentList.get_all_by_volume_id(
                    ctxt, v.id)) for v in volumes],
            'snapshots': [{'id': s.id, 'status': s.status,
                           'volume_id': s.volume_id} for s in snapshots],
            'workers': [{'resource_type': w.resource_type,
                         'resource_id': w.resource_id, 'status': w.status,
                         'service_id': w.service_id} for w in workers],
        }

    def try_lock(self, name):
        """Take Cinder's coordination lock ``name`` without waiting."""
        lock = self._coordination.COORDINATOR.get_lock(name)
        if not lock.acquire(blocking=False):
            return False
        self._held[name] = lock
        return True

    def release_lock(self, name):
        self._held.pop(name).release()
        return True


def _describe(exc):
    """Type and message of ``exc``, with sqlite's extended result code.

    sqlite says "disk I/O error" for any of its SQLITE_IOERR_* codes; the
    extended one (Python 3.11 and later give its name) says which call
    failed: a read, a lock, a journal's removal.
    """
    text = '%s: %s' % (type(exc).__name__, exc)
    code = getattr(getattr(exc, 'orig', None), 'sqlite_errorname', None)
    return '%s [%s]' % (text, code) if code else text


def _serve(svc, requests, replies):
    write_lock = threading.Lock()

    def reply(message):
        with write_lock:
            replies.write(json.dumps(message) + '\n')
            replies.flush()

    def run(request):
        try:
            result = getattr(svc, request['op'])(**request.get('args', {}))
            reply({'id': request['id'], 'result': result})
        except Exception as exc:
            trace = traceback.format_exc()
            # Kept in the service's .err file in the test's directory.
            sys.stderr.write('%s failed:\n%s' % (request['op'], trace))
            sys.stderr.flush()
            reply({'id': request['id'], 'error': _describe(exc),
                   'trace': trace})

    reply({'id': 0, 'result': {'service_id': svc.service_id}})
    for line in requests:
        request = json.loads(line)
        threading.Thread(target=run, args=(request,), daemon=True).start()


def _serialize_sqlite_writers():
    """Begin every sqlite transaction IMMEDIATE.

    Two processes share one sqlite file here where production shares
    MariaDB. oslo.db begins sqlite transactions with a plain (deferred)
    BEGIN, so two of them that read and then write deadlock with "database
    is locked"; taking the write lock at BEGIN makes the other wait (up to
    the URL's timeout) instead.
    """
    from sqlalchemy.engine import Engine
    from sqlalchemy import event

    @event.listens_for(Engine, 'before_cursor_execute', retval=True)
    def _immediate(conn, cursor, statement, parameters, context, many):
        if statement.strip().upper() == 'BEGIN':
            statement = 'BEGIN IMMEDIATE'
        return statement, parameters


def main(config_file, own_config_file, host):
    # The replies own stdout; anything else printed goes to stderr.
    replies = os.fdopen(os.dup(1), 'w')
    os.dup2(2, 1)
    from lightos_cinder import compat
    compat.use_native_threads()
    from cinder.common import config  # noqa: F401
    from cinder.db import migration
    from cinder import objects
    from cinder import rpc
    from oslo_config import cfg
    from oslo_log import log as logging

    objects.register_all()
    conf = cfg.CONF
    logging.register_options(conf)
    conf(['--config-file', config_file, '--config-file', own_config_file],
         project='cinder',
         default_config_files=[])
    logging.setup(conf, 'cinder')
    if host == '--db-sync':
        migration.db_sync()
        return
    _serialize_sqlite_writers()
    rpc.init(conf)
    _serve(VolumeService(host), sys.stdin, replies)


if __name__ == '__main__':
    main(*sys.argv[1:])
