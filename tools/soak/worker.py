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

"""The process the soak kills: Cinder's services with the driver.

``python tools/soak/worker.py WORKDIR`` starts cinder-volume (the driver,
and Cinder's start-up recovery in ``init_host``), cinder-scheduler and the
volume API over the sqlite database in WORKDIR, then reads one JSON
command per line on stdin and answers one JSON line on stdout. Commands
name Cinder resources by id; each returns when the resource settled (or
after HUNG_AFTER seconds, answering ``hung``).
"""

import json
import logging
import os
import sys
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from cinder import context as cinder_context  # noqa: E402
from cinder import coordination  # noqa: E402
from cinder import exception as cinder_exception  # noqa: E402
from cinder import objects  # noqa: E402
from cinder.volume import volume_types  # noqa: E402
from oslo_config import cfg  # noqa: E402

from lightos_cinder.api import exception  # noqa: E402
from lightos_cinder.api import waiters  # noqa: E402
from lightos_cinder.demo import story  # noqa: E402
from tests.functional import cinderservices  # noqa: E402

BACKEND = 'lightos'
# What Cinder's own RPC calls wait (rpc_response_timeout) is the longest a
# caller waits for an answer; a change not settled by then is hung.
HUNG_AFTER = 60

_SETTLED_VOLUME = ('available', 'in-use', 'error', 'error_deleting',
                   'error_extending', 'error_managing', 'error_restoring',
                   'deleted')
_SETTLED_SNAPSHOT = ('available', 'error', 'error_deleting', 'deleted')


class Hung(Exception):
    pass


class VolumeServices(cinderservices.CinderServices):
    """cinder-volume and cinder-scheduler: the soak needs no backups."""

    def _add(self, host, binary, *args, **kwargs):
        if binary == 'cinder-backup':
            return None
        # As cinder-volume does, before init_host: the driver's start-up
        # recovery takes its per-volume lock through it.
        coordination.COORDINATOR.start()
        return super()._add(host, binary, *args, **kwargs)

    def _wait_backup_service(self):
        pass


class Worker:
    """Runs the soak's commands through Cinder's volume API."""

    def __init__(self, services, types):
        self._services = services
        self._api = services.volume_api
        self._types = types

    @staticmethod
    def _ctxt(project):
        # An admin of the project, with the service token Nova sends along
        # (cinder-api then trusts Nova's attachment deletions).
        return cinder_context.RequestContext(
            user_id='admin', project_id=project, is_admin=True,
            roles=['admin', 'member', 'reader'], service_roles=['service'])

    def _volume(self, volume_id):
        return objects.Volume.get_by_id(self._ctxt(None), volume_id)

    def _snapshot(self, snapshot_id):
        return objects.Snapshot.get_by_id(self._ctxt(None), snapshot_id)

    def _type(self, name):
        return objects.VolumeType.get_by_name_or_id(
            self._ctxt(None), self._types[name])

    @staticmethod
    def _settle(cls, object_id, settled, want=None):
        def probe():
            try:
                status = cls.get_by_id(Worker._ctxt(None),
                                       object_id).status
            except cinder_exception.NotFound:
                status = 'deleted'
            if status in settled:
                return status
            raise exception.NotReady(status)
        try:
            status = waiters.wait_for(
                probe, timeout=HUNG_AFTER, interval=0.02, max_interval=0.5,
                what='%s %s to settle' % (cls.obj_name(), object_id))
        except exception.WaitTimeout as exc:
            raise Hung(str(exc))
        if want is not None and status != want:
            raise exception.OperationFailed(
                '%s %s' % (cls.obj_name(), object_id), status)
        return status

    def _new_volume(self, project, size, type_name, **source):
        created = self._api.create(
            self._ctxt(project), size, 'soak', None,
            volume_type=self._type(type_name), **source)
        self._settle(objects.Volume, created.id, _SETTLED_VOLUME,
                     'available')
        return {'id': created.id}

    def create(self, project, size, type_name):
        return self._new_volume(project, size, type_name)

    def from_snapshot(self, project, snapshot_id, type_name):
        snapshot = self._snapshot(snapshot_id)
        return self._new_volume(project, snapshot.volume_size, type_name,
                                snapshot=snapshot)

    def clone(self, project, volume_id, type_name):
        source = self._volume(volume_id)
        return self._new_volume(project, source.size, type_name,
                                source_volume=source)

    def delete(self, volume_id, cascade=False):
        volume = self._volume(volume_id)
        self._api.delete(self._ctxt(volume.project_id), volume,
                         cascade=cascade)
        self._settle(objects.Volume, volume_id, _SETTLED_VOLUME, 'deleted')
        return {}

    def snapshot(self, volume_id):
        volume = self._volume(volume_id)
        created = self._api.create_snapshot(
            self._ctxt(volume.project_id), volume, 'soak', None,
            allow_in_use=True)
        self._settle(objects.Snapshot, created.id, _SETTLED_SNAPSHOT,
                     'available')
        return {'id': created.id}

    def delete_snapshot(self, snapshot_id):
        snapshot = self._snapshot(snapshot_id)
        self._api.delete_snapshot(self._ctxt(snapshot.project_id), snapshot)
        self._settle(objects.Snapshot, snapshot_id, _SETTLED_SNAPSHOT,
                     'deleted')
        return {}

    def extend(self, volume_id, size):
        volume = self._volume(volume_id)
        self._api.extend(self._ctxt(volume.project_id), volume, size)
        self._settle(objects.Volume, volume_id, _SETTLED_VOLUME)
        volume = self._volume(volume_id)
        if (volume.status, volume.size) != ('available', size):
            raise exception.OperationFailed(
                'extend of volume %s to %d GiB' % (volume_id, size),
                '%s, %d GiB' % (volume.status, volume.size))
        return {}

    def revert(self, volume_id, snapshot_id):
        volume = self._volume(volume_id)
        self._api.revert_to_snapshot(self._ctxt(volume.project_id), volume,
                                     self._snapshot(snapshot_id))
        self._settle(objects.Volume, volume_id, _SETTLED_VOLUME, 'available')
        return {}

    def retype(self, volume_id, type_name):
        volume = self._volume(volume_id)
        new_type = self._type(type_name)
        self._api.retype(self._ctxt(volume.project_id), volume, new_type.id,
                         migration_policy='never')
        self._settle(objects.Volume, volume_id, _SETTLED_VOLUME)
        volume = self._volume(volume_id)
        if volume.volume_type_id != new_type.id:
            raise exception.OperationFailed(
                'retype of volume %s to %s' % (volume_id, type_name),
                'still %s' % volume.volume_type.name)
        return {}

    def attach(self, volume_id, instance, connector):
        """What Nova does: reserve, connect from the host, complete."""
        volume = self._volume(volume_id)
        ctxt = self._ctxt(volume.project_id)
        attachment = self._api.attachment_create(ctxt, volume, instance)
        try:
            attachment = self._api.attachment_update(ctxt, attachment,
                                                     connector)
        except Exception:
            # Nova deletes the attachment whose update failed.
            self._api.attachment_delete(ctxt, attachment)
            raise
        story.Story._complete(ctxt, attachment)
        return {'id': attachment.id}

    def detach(self, attachment_id):
        ctxt = self._ctxt(None)
        attachment = objects.VolumeAttachment.get_by_id(ctxt, attachment_id)
        self._api.attachment_delete(ctxt, attachment)
        return {}

    def unmanage(self, volume_id):
        volume = self._volume(volume_id)
        self._api.delete(self._ctxt(volume.project_id), volume,
                         unmanage_only=True)
        self._settle(objects.Volume, volume_id, _SETTLED_VOLUME, 'deleted')
        return {}

    def manage(self, project, name, type_name):
        ctxt = self._ctxt(project)
        volume = self._api.manage_existing(
            ctxt, self._services.backend_host(BACKEND), None,
            {'source-name': name}, name='soak', volume_type=self._type(
                type_name))
        self._settle(objects.Volume, volume.id, _SETTLED_VOLUME, 'available')
        return {'id': volume.id}

    def reset_volume(self, volume_id, status):
        """An admin's os-reset_status (as cinder-api's action does it)."""
        volume = self._volume(volume_id)
        volume.update({'status': status, 'migration_status': None})
        if status == 'available':
            volume.attach_status = 'detached'
        volume.save()
        return {}

    def reset_snapshot(self, snapshot_id, status):
        snapshot = self._snapshot(snapshot_id)
        snapshot.status = status
        snapshot.save()
        return {}


def create_types(ctxt, spec):
    """Volume types from {name: extra specs}, made once; {name: id}."""
    ids = {}
    for name, extra_specs in spec.items():
        try:
            ids[name] = volume_types.get_volume_type_by_name(ctxt, name)['id']
        except cinder_exception.VolumeTypeNotFoundByName:
            ids[name] = volume_types.create(ctxt, name, extra_specs)['id']
    return ids


def main():
    workdir = sys.argv[1]
    with open(os.path.join(workdir, 'soak.json')) as handle:
        setup = json.load(handle)
    # Answers go to the original stdout; anything else printed goes to
    # stderr, which the soak keeps in a file.
    answers = os.fdopen(os.dup(1), 'w', buffering=1)
    os.dup2(2, 1)
    handler = logging.FileHandler(os.path.join(workdir, 'cinder.log'))
    handler.setFormatter(logging.Formatter(
        '%(asctime)s %(process)d %(levelname)s %(name)s %(message)s'))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    services = VolumeServices(
        os.path.join(workdir, 'cinder'),
        {BACKEND: setup['backend_section']},
        os.path.join(workdir, 'cinder.sqlite'))
    os.makedirs(services.workdir, exist_ok=True)
    services.start()
    types = create_types(Worker._ctxt(None), setup['types'])
    worker = Worker(services, types)
    answers.write(json.dumps({'ready': True, 'pid': os.getpid()}) + '\n')
    for line in sys.stdin:
        command = json.loads(line)
        try:
            result = getattr(worker, command['op'])(**command['args'])
            answer = {'outcome': 'ok', 'result': result}
        except Hung as exc:
            answer = {'outcome': 'hung', 'detail': str(exc)}
        except Exception as exc:
            logging.getLogger('soak').warning(
                'command %s raised: %s', command, traceback.format_exc())
            answer = {'outcome': 'raised',
                      'detail': '%s: %s' % (type(exc).__name__, exc)}
        answers.write(json.dumps(answer) + '\n')
    services.stop()
    cfg.CONF.reset()


if __name__ == '__main__':
    main()
