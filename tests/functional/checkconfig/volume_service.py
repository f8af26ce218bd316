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

"""Start a backend as cinder-volume does; print what happened as JSON.

Run in a process of its own (``python -m``): it parses the global
configuration, builds Cinder's VolumeManager for the backend (which imports
``volume_driver`` with the backend's Configuration) and runs the driver's
``do_setup`` and ``check_for_setup_error``, as the service's ``init_host``
does. Input on stdin: a JSON list of ``{"args": [...], "backend": ...}``.
The service's database is an empty sqlite file made by Cinder's migrations
(a file of its own is added after the job's).
"""

import json
import os
import sys
import tempfile

from cinder import context
from cinder.db import migration
from cinder import objects
from cinder import rpc
from oslo_config import cfg

from lightos_cinder import options


def start(args, backend, database):
    """``{"started": bool, "error": class, "message": str}`` of a backend."""
    conf = cfg.CONF
    conf(args + ['--config-file', database], project='cinder')
    if backend not in [b for b in conf.enabled_backends or [] if b]:
        return {'started': False, 'error': 'NotEnabled',
                'message': 'not in enabled_backends'}
    from cinder.volume import manager

    try:
        volume_manager = manager.VolumeManager(service_name=backend)
        drv = volume_manager.driver
        drv.do_setup(context.get_admin_context())
        drv.check_for_setup_error()
    except Exception as exc:  # what the service would die of, any kind
        return {'started': False, 'error': exc.__class__.__name__,
                'message': str(exc)}
    client = getattr(drv, '_client', None)
    if client is not None:
        client.transport.close()
    return {'started': True, 'error': None, 'message': '',
            'unreadable': _unreadable(drv.configuration)}


def _unreadable(configuration):
    """Options the driver would fail to read later, after starting."""
    names = []
    for opt in options.lightos_opts:
        try:
            getattr(configuration, opt.dest)
        except ValueError:
            names.append(opt.dest)
    return names


def _database(workdir):
    path = os.path.join(workdir, 'database.conf')
    with open(path, 'w') as conf:
        conf.write('[DEFAULT]\ntransport_url = fake:/\n'
                   '[database]\nconnection = sqlite:///%s\n' % (
                       os.path.join(workdir, 'cinder.sqlite')))
    cfg.CONF(['--config-file', path], project='cinder')
    migration.db_sync()
    rpc.init(cfg.CONF)
    return path


def main():
    objects.register_all()
    with tempfile.TemporaryDirectory() as workdir:
        database = _database(workdir)
        results = [start(job['args'], job['backend'], database)
                   for job in json.load(sys.stdin)]
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
