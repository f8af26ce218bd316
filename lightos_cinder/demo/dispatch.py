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

"""In-process delivery of Cinder's RPC messages between its services."""

from cinder import context as cinder_context
from cinder import exception as cinder_exception
from cinder.objects import base as objects_base
from cinder.objects import fields
from cinder import quota
from cinder.scheduler import rpcapi as scheduler_rpcapi
from cinder.volume import rpcapi as volume_rpcapi


class LocalClient:
    """Takes the place of an oslo.messaging RPC client, without a bus.

    Cinder's RPC API classes (argument marshalling, version negotiation)
    run unchanged on top of it. Arguments, results and the request context
    are serialized and deserialized as they would be between two processes,
    so a manager never shares an object with its caller. Casts run to
    completion before they return, which keeps the story deterministic; an
    exception a cast raises reaches the caller instead of only a log.
    """

    def __init__(self, endpoint):
        self._endpoint = endpoint
        self._serializer = objects_base.CinderObjectSerializer()

    def prepare(self, **kwargs):
        # Topic, server and fanout select the one in-process endpoint.
        return self

    def can_send_version(self, version):
        # Every service runs the same Cinder release in this process.
        return True

    def _transfer(self, source_ctxt, target_ctxt, value):
        wire = self._serializer.serialize_entity(source_ctxt, value)
        return self._serializer.deserialize_entity(target_ctxt, wire)

    def call(self, ctxt, method, **kwargs):
        remote_ctxt = cinder_context.RequestContext.from_dict(ctxt.to_dict())
        args = {name: self._transfer(ctxt, remote_ctxt, value)
                for name, value in kwargs.items()}
        result = getattr(self._endpoint, method)(remote_ctxt, **args)
        return self._transfer(remote_ctxt, ctxt, result)

    def cast(self, ctxt, method, **kwargs):
        self.call(ctxt, method, **kwargs)


class LocalVolumeAPI(volume_rpcapi.VolumeAPI):
    """cinder-volume's RPC API, delivering to an in-process manager."""

    def __init__(self, manager):
        # The parent constructor would build an oslo.messaging client.
        self.client = LocalClient(manager)


class LocalSchedulerAPI(scheduler_rpcapi.SchedulerAPI):
    """cinder-scheduler's RPC API, delivering to an in-process scheduler."""

    def __init__(self, scheduler):
        self.client = LocalClient(scheduler)


class LocalScheduler:
    """cinder-scheduler's endpoint over its real filter scheduler.

    Capability reports and volume creation go to Cinder's SchedulerManager,
    whose filter scheduler places the volume with the capacity and
    capability filters on the stats the driver reported. Snapshots and
    extensions pass the same filters here, because for those two messages
    the manager builds an RPC client of its own instead of using the one it
    holds.
    """

    def __init__(self, manager, volume_rpc):
        self._manager = manager
        self._volume_rpc = volume_rpc
        # The filter scheduler casts creations through this attribute.
        manager.driver.volume_rpcapi = volume_rpc
        manager.volume_api = volume_rpc

    def update_service_capabilities(self, ctxt, **kwargs):
        self._manager.update_service_capabilities(ctxt, **kwargs)

    def notify_service_capabilities(self, ctxt, **kwargs):
        self._manager.notify_service_capabilities(ctxt, **kwargs)

    def create_volume(self, ctxt, volume, **kwargs):
        self._manager.create_volume(ctxt, volume, **kwargs)

    def _pass_filters(self, ctxt, backend, request_spec, filter_properties,
                      size):
        chosen = self._manager.driver.backend_passes_filters(
            ctxt, backend, request_spec, filter_properties or {})
        chosen.consume_from_volume({'size': size})

    def create_snapshot(self, ctxt, volume, snapshot, backend,
                        request_spec=None, filter_properties=None):
        try:
            self._pass_filters(ctxt, backend, request_spec, filter_properties,
                               request_spec['volume_properties']['size'])
        except cinder_exception.NoValidBackend:
            snapshot.status = fields.SnapshotStatus.ERROR
            snapshot.save()
            raise
        self._volume_rpc.create_snapshot(ctxt, volume, snapshot)

    def extend_volume(self, ctxt, volume, new_size, reservations,
                      request_spec=None, filter_properties=None):
        filter_properties = dict(filter_properties or {}, new_size=new_size)
        try:
            self._pass_filters(ctxt, volume.service_topic_queue,
                               request_spec, filter_properties,
                               new_size - volume.size)
        except cinder_exception.NoValidBackend:
            quota.QUOTAS.rollback(ctxt, reservations,
                                  project_id=volume.project_id)
            volume.update({'status': volume.previous_status,
                           'previous_status': None})
            volume.save()
            raise
        self._volume_rpc.extend_volume(ctxt, volume, new_size, reservations)
