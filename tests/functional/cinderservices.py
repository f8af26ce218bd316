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

"""Cinder's scheduler, volume and backup services inside the test process.

The demo harness (lightos_cinder/demo/harness.py) delivers RPC messages by
calling the managers directly, which is enough for one backend. Host-assisted
migration and backups are different: Cinder's volume manager builds RPC
clients of its own in the middle of a migration (``_attach_volume``,
``_migrate_volume_generic``) and its scheduler does the same for migrate and
retype, so those messages must reach the right service by topic and server.
Here every service therefore runs as Cinder runs it, with its own RPC server
(oslo.messaging's threading executor) on the in-memory ``fake:/`` transport:
two cinder-volume backends on one simulated cluster, cinder-scheduler and
cinder-backup with the POSIX driver. Casts are asynchronous, as in
production; the tests wait for states with the package's waiter.

Cinder's global state is set up for the tests' process: cinder.conf is read
into oslo.config (overrides set by fixtures keep precedence), the database
is one sqlite file per process (oslo.db binds the engine on first use), the
RPC transport is initialized here and torn down on stop. Logging is left to
pytest.
"""

import os

from cinder import context as cinder_context
from cinder.db import migration
from cinder import exception as cinder_exception
from cinder import objects
from cinder import rpc
from cinder import service
from cinder.volume import volume_types
from oslo_config import cfg
from sqlalchemy import event

from lightos_cinder.api import exception
from lightos_cinder.api import waiters
from lightos_cinder import compat
from lightos_cinder.demo import cinderconf
from lightos_cinder.demo import harness

CONF = cfg.CONF

HOST = 'dataplane'
VOLUME_DRIVER = 'lightos_cinder.driver.LightOSVolumeDriver'
BACKUP_DRIVER = 'cinder.backup.drivers.posix.PosixBackupDriver'
# Long enough for any test run: services here send no heartbeats.
SERVICE_DOWN_TIME = 3600
# A state change (create, backup, restore, migration of 1 GiB) finishes in
# seconds; the bound only keeps a broken run from hanging.
STATE_TIMEOUT = 120
# The services' timers run in this thread while it waits on 2025.1 to
# 2026.1 (see compat.sleep_running_green_timers).
_SLEEP = compat.sleep_running_green_timers

_CONF = """[DEFAULT]
host = %(host)s
enabled_backends = %(backends)s
state_path = %(workdir)s
transport_url = fake:/
service_down_time = %(down)d
backup_driver = %(backup_driver)s
backup_posix_path = %(backups)s
# Compression only costs time here (zlib on 1 GiB: seconds of CPU).
backup_compression_algorithm = none
# 64 MiB objects instead of one ~2 GB buffer per backup.
backup_file_size = 67108864
# The most cinder-scheduler waits at start for the first report.
scheduler_driver_init_wait_time = 30

"""

_DATABASE = {}


class CinderServices:
    """cinder-scheduler, cinder-backup and one cinder-volume per backend.

    ``backends`` maps a backend name to its cinder.conf section (for
    example from ``Simulator.cinder_conf``). After ``start()``,
    ``volume_api`` and ``backup_api`` are what cinder-api's controllers
    call, ``volume_managers`` the managers by backend name.
    """

    def __init__(self, workdir, backends, database):
        self.workdir = workdir
        self.backends = dict(backends)
        self.database = database
        self.volume_api = None
        self.backup_api = None
        self.volume_managers = {}
        self.scheduler = None
        self._services = []

    @property
    def backup_path(self):
        return os.path.join(self.workdir, 'backups')

    def backend_host(self, backend):
        return '%s@%s' % (HOST, backend)

    def _write_conf(self):
        os.makedirs(self.backup_path, exist_ok=True)
        text = _CONF % {
            'host': HOST, 'backends': ','.join(self.backends),
            'workdir': self.workdir, 'down': SERVICE_DOWN_TIME,
            'backup_driver': BACKUP_DRIVER, 'backups': self.backup_path,
        } + cinderconf.shared_sections(
            _process_database(self.database),
            cinderconf.lock_path(self.workdir)) + '\n'.join(
                self.backends.values())
        return cinderconf.write_private(self.workdir, text)

    def _add(self, host, binary, topic, manager, **kwargs):
        svc = service.Service(host=host, binary=binary, topic=topic,
                              manager=manager, coordination=False, **kwargs)
        svc.start()
        self._services.append(svc)
        return svc

    def start(self):
        objects.register_all()
        # Loaded after the registration: they bind object classes on import.
        from cinder.backup import api as backup_api
        from cinder.volume import api as volume_api

        CONF(['--config-file', self._write_conf()], project='cinder',
             default_config_files=[])
        migration.db_sync()
        _serialize_transactions()
        if not rpc.initialized():
            rpc.init(CONF)
        try:
            for backend in self.backends:
                svc = self._add(self.backend_host(backend), 'cinder-volume',
                                'cinder-volume',
                                'cinder.volume.manager.VolumeManager',
                                service_name=backend)
                if not svc.manager.driver.initialized:
                    raise harness.SetupError(
                        'The volume driver of %s did not initialize.'
                        % backend)
                self.volume_managers[backend] = svc.manager
            backup = self._add(HOST, 'cinder-backup', 'cinder-backup',
                               'cinder.backup.manager.BackupManager',
                               service_name='backup')
            # A subclass without backups (the soak's) adds none.
            if backup is not None:
                _wait_backup_driver(backup.manager)
            # Last: it waits until the volume services reported.
            self.scheduler = self._add(
                HOST, 'cinder-scheduler', 'cinder-scheduler',
                'cinder.scheduler.manager.SchedulerManager').manager
            if not self.scheduler.driver.is_ready():
                raise harness.SetupError('cinder-scheduler received no '
                                         'capabilities from cinder-volume.')
            self._wait_backup_service()
        except Exception:
            self.stop()
            raise
        self.volume_api = volume_api.API()
        self.backup_api = backup_api.API()

    def _wait_backup_service(self):
        # The scheduler picks a backup host among the cinder-backup services
        # that reported themselves working; the report answers the request
        # the scheduler cast when it started.
        states = self.scheduler.driver.host_manager.backup_service_states

        def probe():
            state = states.get(HOST)
            if not state or not state['backend_state']:
                raise exception.NotReady(state)
            return state
        _wait(probe, 'cinder-backup to report to the scheduler', timeout=30)

    def stop(self):
        # Stop every RPC server first, then wait for them together: each
        # wait lasts until its server's next poll of the transport.
        services, self._services = self._services[::-1], []
        for svc in services:
            svc.stop()
        for svc in services:
            svc.wait()
        # A stopped service leaves no record: the scheduler of the next
        # start in this process would wait for its report in vain.
        admin = cinder_context.get_admin_context()
        for svc in services:
            objects.Service.get_by_id(admin, svc.origin_service_id).destroy()
        self.volume_managers = {}
        if rpc.initialized():
            rpc.cleanup()
        # Back to no parsed configuration; fixtures' overrides stay.
        CONF.clear()

    @staticmethod
    def context(project):
        """An admin of ``project`` (migration and retype need the role)."""
        return cinder_context.RequestContext(
            user_id='admin', project_id=project, is_admin=True,
            roles=['admin', 'member', 'reader'])

    def create_type(self, name, extra_specs):
        ctxt = cinder_context.get_admin_context()
        created = volume_types.create(ctxt, name, extra_specs)
        return objects.VolumeType.get_by_id(ctxt, created['id'])

    def create_volume(self, ctxt, volume_type, size=1):
        volume = self.volume_api.create(ctxt, size, 'data', None,
                                        volume_type=volume_type)
        return self.wait_volume(ctxt, volume.id, 'available')

    def delete_volume(self, ctxt, volume_id):
        volume = objects.Volume.get_by_id(ctxt, volume_id)
        self.volume_api.delete(ctxt, volume)
        self.wait_deleted(objects.Volume, ctxt, volume_id)

    @staticmethod
    def wait_deleted(cls, ctxt, object_id):
        """Wait until the ``cls`` record ``object_id`` is deleted."""
        wait_for_state(lambda: _deleted_or_status(cls, ctxt, object_id),
                       'deleted', '%s %s to be deleted' % (
                           cls.obj_name(), object_id))

    def wait_volume(self, ctxt, volume_id, status, **fields):
        """The volume once its status (and ``fields``) are as given."""
        def probe():
            volume = objects.Volume.get_by_id(ctxt, volume_id)
            seen = (volume.status,) + tuple(
                getattr(volume, name) for name in fields)
            want = (status,) + tuple(fields.values())
            if seen == want:
                return volume
            if 'error' in volume.status:
                raise exception.OperationFailed('volume %s' % volume_id,
                                                volume.status)
            raise exception.NotReady('/'.join(str(s) for s in seen))
        return _wait(probe, 'volume %s to be %s %s' % (
            volume_id, status, fields))

    def wait_backup(self, ctxt, backup_id, status='available'):
        def probe():
            backup = objects.Backup.get_by_id(ctxt, backup_id)
            if backup.status == status:
                return backup
            if backup.status == 'error':
                raise exception.OperationFailed(
                    'backup %s (%s)' % (backup_id, backup.fail_reason),
                    backup.status)
            raise exception.NotReady(backup.status)
        return _wait(probe, 'backup %s to be %s' % (backup_id, status))


def _wait_backup_driver(manager):
    """Wait until cinder-backup has set its driver up.

    It does that in an oslo.service looping call after it started; its
    answer to the scheduler's first request for capabilities says whether
    it is working, and the next report comes only a minute later.
    """
    def probe():
        if not manager.is_working():
            raise exception.NotReady('driver not set up')
    _wait(probe, 'cinder-backup to set its driver up', timeout=30)


def _wait(probe, what, timeout=STATE_TIMEOUT):
    return waiters.wait_for(probe, timeout=timeout, interval=0.05,
                            max_interval=0.5, sleep=_SLEEP, what=what)


def _deleted_or_status(cls, ctxt, object_id):
    try:
        return cls.get_by_id(ctxt, object_id).status
    except cinder_exception.NotFound:
        return 'deleted'


def wait_for_state(read, state, what):
    def probe():
        seen = read()
        if seen != state:
            if 'error' in seen:
                raise exception.OperationFailed(what, seen)
            raise exception.NotReady(seen)
        return seen
    return _wait(probe, what)


def use_database(path):
    """Point Cinder's database API at the process's sqlite file.

    For tests that call the driver directly: it reads Cinder's rows (who
    owns a LightOS record) as it does inside cinder-volume.
    """
    CONF.set_override('connection', 'sqlite:///%s' % _process_database(path),
                      group='database')
    migration.db_sync()
    _serialize_transactions()


def _serialize_transactions():
    """Make each transaction take sqlite's write lock when it begins.

    oslo.db begins sqlite transactions with a plain BEGIN, which takes the
    write lock only at the first write: two transactions that read, then
    write (cinder-volume's quota commit after a delete and a test's insert)
    deadlock, and sqlite fails one at once with "database is locked". With
    BEGIN IMMEDIATE the second waits for the first instead.
    """
    if _DATABASE.get('serialized'):
        return
    _DATABASE['serialized'] = True

    @event.listens_for(compat.cinder_db_engine(), 'before_cursor_execute',
                       retval=True)
    def _begin_immediate(conn, cursor, statement, parameters, context,
                         executemany):
        if statement == 'BEGIN':
            statement = 'BEGIN IMMEDIATE'
        return statement, parameters


def _process_database(path):
    # oslo.db binds Cinder's engine to the first connection it sees, so
    # every start in a process uses the first database file.
    return _DATABASE.setdefault('path', path)
