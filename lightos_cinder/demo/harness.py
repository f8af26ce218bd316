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

"""Cinder's API, scheduler and volume services in one process over sqlite.

Concurrency model: no eventlet monkey patching. cinder-volume normally
patches the standard library at start-up, before anything else is imported;
here the LightOS simulator already serves HTTPS from ordinary threads of
this process, and patching sockets and threads underneath it (and under
urllib3, which is imported by then) is exactly the late patching eventlet
warns against. Cinder supports this native-threading mode itself (it is
what ``OS_CINDER_DISABLE_EVENTLET_PATCHING=1`` selects): its managers see
that nothing is patched and use native thread pools. The story calls the
services one request at a time, so nothing here needs green threads.
"""

import logging as python_logging
import sys

from cinder.common import config as cinder_config  # noqa: F401
from cinder import context as cinder_context
from cinder import coordination
from cinder.db import migration
from cinder import objects
from cinder import rpc
from cinder import service
from keystonemiddleware import auth_token  # noqa: F401
from oslo_config import cfg
from oslo_log import log as logging

from lightos_cinder.demo import dispatch

CONF = cfg.CONF

_VOLUME_MANAGER = 'cinder.volume.manager.VolumeManager'

# The role nova's service token carries (keystone_authtoken's
# service_token_roles default); cinder-api trusts attachment deletions that
# come with it.
_SERVICE_ROLE = 'service'


class SetupError(Exception):
    """Cinder could not be brought up (for example the driver failed)."""


class Cinder:
    """Cinder's control plane in this process, the RPC bus left out.

    ``api`` is cinder-api's volume API (what its REST controllers call),
    ``volume_manager`` cinder-volume's manager with the configured driver,
    ``scheduler`` cinder-scheduler's manager. Messages between them go
    through Cinder's own RPC API classes with an in-process client.
    """

    def __init__(self, config_file, backend, host):
        self.config_file = config_file
        self.backend = backend
        self.host = '%s@%s' % (host, backend)
        self.api = None
        self.volume_manager = None
        self.scheduler = None
        self._started = False

    def start(self):
        objects.register_all()
        # These two refer to object classes at import time, so they load
        # after the registration.
        from cinder.scheduler import manager as scheduler_manager
        from cinder.volume import api as volume_api

        logging.register_options(CONF)
        CONF(['--config-file', self.config_file], project='cinder',
             default_config_files=[])
        logging.setup(CONF, 'cinder')
        python_logging.captureWarnings(True)
        # oslo.log installed a hook that sends uncaught exceptions to the
        # log file only; the demo's console should show them.
        sys.excepthook = sys.__excepthook__

        migration.db_sync()
        rpc.init(CONF)
        coordination.COORDINATOR.start()
        self._started = True

        volume_service = service.Service(
            host=self.host, binary='cinder-volume', topic='cinder-volume',
            manager=_VOLUME_MANAGER, service_name=self.backend,
            coordination=False)
        self.volume_manager = volume_service.manager
        volume_rpc = dispatch.LocalVolumeAPI(self.volume_manager)

        self.scheduler = scheduler_manager.SchedulerManager()
        scheduler_rpc = dispatch.LocalSchedulerAPI(
            dispatch.LocalScheduler(self.scheduler, volume_rpc))
        self.volume_manager.scheduler_rpcapi = scheduler_rpc

        self.volume_manager.init_host(
            added_to_cluster=volume_service.added_to_cluster,
            service_id=volume_service.origin_service_id)
        if not self.volume_manager.driver.initialized:
            raise SetupError('The volume driver %s did not initialize; see '
                             'the log file for the reason.'
                             % CONF[self.backend].volume_driver)
        # init_host published the backend's capabilities to the scheduler,
        # which holds requests until every volume service has reported.
        if not self.scheduler.driver.is_ready():
            raise SetupError('cinder-scheduler received no capabilities '
                             'from cinder-volume.')

        self.api = volume_api.API()
        self.api.volume_rpcapi = volume_rpc
        self.api.scheduler_rpcapi = scheduler_rpc

    def stop(self):
        if self._started:
            coordination.COORDINATOR.stop()
            rpc.cleanup()
            self._started = False

    @staticmethod
    def admin_context():
        return cinder_context.get_admin_context()

    @staticmethod
    def user_context(project_id, user_id, service_token=False):
        """A tenant user's request; with nova's service token if asked."""
        return cinder_context.RequestContext(
            user_id=user_id, project_id=project_id,
            roles=['member', 'reader'],
            service_roles=[_SERVICE_ROLE] if service_token else [])
