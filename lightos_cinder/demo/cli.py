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

"""The ``demo`` sub-command; Cinder is imported only when it runs."""

import warnings


def _non_negative(text):
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def register(subparsers):
    parser = subparsers.add_parser(
        'demo',
        help='run the multi-tenancy story through Cinder against the '
             'embedded simulator',
        description='Start a 3-node LightOS simulator (HTTPS, JWT), write a '
                    'cinder.conf backend for it and drive Cinder\'s own API, '
                    'scheduler and volume manager in this process through '
                    'volume types, multi-attach, snapshots, clones, extend '
                    'and deletion. Exits non-zero if Cinder and the cluster '
                    'disagree or anything is left behind.')
    parser.add_argument(
        '--keep', action='store_true',
        help='after the story, leave the simulator running with the '
             'printed cinder.conf (and the work directory) for manual use; '
             'stop with Ctrl-C')
    parser.add_argument(
        '--delay-ms', type=_non_negative, default=0, metavar='MS',
        help='milliseconds each volume and snapshot state transition takes '
             'on the simulator (creation, update, deletion), as on a real '
             'cluster; default 0')
    parser.add_argument(
        '--workdir', metavar='DIR',
        help='directory for cinder.conf, the Cinder database and log and '
             'the simulator\'s CA and token (default: a new temporary '
             'directory, removed after a successful run)')
    parser.set_defaults(func=_run)


def _run(args):
    # Cinder and oslo.service import eventlet, which then warns that it is
    # deprecated; nothing here uses it.
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    # Native threads, no eventlet (see lightos_cinder.demo.harness),
    # selected before any Cinder module loads.
    from lightos_cinder import compat
    compat.use_native_threads()
    # Cinder's object classes must be registered before its managers and
    # API modules are imported.
    from cinder import objects
    objects.register_all()
    from lightos_cinder.demo import runner
    return runner.run(args)
