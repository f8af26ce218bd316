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

"""Cinder's scheduler and workers cleanup API next to a volume service.

Cinder's cleanup of a dead service's work runs through three services:
cinder-api's ``POST /workers/cleanup`` calls the scheduler, whose
``work_cleanup`` picks the matching services that are down and casts
``do_cleanup`` of each to a live service of its cluster. Here the three
share one process and oslo.messaging's in-process transport, so the cast
reaches the volume service of this process, as it reaches some live
service of the cluster over RabbitMQ. Cinder modules are imported only when
used, after the process chose its threading model.
"""

WORKERS_CLEANUP_VERSION = '3.24'


def start(host):
    """Serve the scheduler's RPC topic with Cinder's SchedulerManager."""
    from cinder.common import constants
    from cinder.objects import base as objects_base
    from cinder import rpc
    from cinder.scheduler import manager
    import oslo_messaging as messaging

    target = messaging.Target(topic=constants.SCHEDULER_TOPIC, server=host)
    server = rpc.get_server(target, [manager.SchedulerManager()],
                            objects_base.CinderObjectSerializer())
    server.start()
    return server


def workers_cleanup(ctxt, body):
    """Cinder's workers controller on ``body``; its response, host names."""
    from cinder.api.openstack import api_version_request
    from cinder.api.openstack import wsgi
    from cinder.api.v3 import workers

    req = wsgi.Request.blank('/v3/%s/workers/cleanup' % ctxt.project_id,
                             method='POST')
    req.environ['cinder.context'] = ctxt
    req.api_version_request = api_version_request.APIVersionRequest(
        WORKERS_CLEANUP_VERSION)
    response = workers.WorkerController().cleanup(req, body=dict(body))
    return {key: sorted(s['host'] for s in services)
            for key, services in response.items()}
