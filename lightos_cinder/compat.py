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

"""What differs between the Cinder releases this package supports.

Every difference between Cinder 2025.1 (26.x) and 2026.2 (29.x) that the
package must adapt to is handled here and nowhere else.
"""

import importlib.util
import os
import time


def has_threading_backend():
    """Whether oslo.service can run services on native threads.

    oslo.service 4.1 (Cinder 2025.1) has only its eventlet backend; later
    releases add a threading one (module ``backend.threading``, later
    ``backend._threading``).
    """
    # Its ``threading`` extra brings cotyledon, without which the backend
    # cannot load (found missing in 2025.2's and 2026.1's environments).
    if importlib.util.find_spec('cotyledon') is None:
        return False
    return any(importlib.util.find_spec('oslo_service.backend.%s' % name)
               for name in ('threading', '_threading'))


def use_native_threads():
    """Run Cinder in this process on native threads, without eventlet.

    For processes that host Cinder's code next to other servers (the demo,
    the tests): call it before any Cinder module is imported. Cinder 2026.2
    reads ``OS_CINDER_DISABLE_EVENTLET_PATCHING`` wherever it would patch;
    where oslo.service has a threading backend it is selected now, before a
    Cinder import chooses eventlet's; on 2025.1 oslo.service keeps its
    eventlet backend, whose green threads run unpatched on the native one.
    Before 2026.2 Cinder's RPC servers are also moved to native threads,
    and eventlet's thread pool calls run in the calling thread.
    """
    os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')
    if has_threading_backend():
        from oslo_service import backend
        backend.init_backend(backend.BackendType.THREADING)
    if not cinder_chooses_concurrency():
        _serve_rpc_on_native_threads()
        _run_tpool_calls_in_place()


def _run_tpool_calls_in_place():
    """Make ``eventlet.tpool`` call through in the calling thread.

    Before 2026.2 cinder-backup hands its file and device I/O to eventlet's
    thread pool. Its answers are delivered by a green thread on the hub of
    the native thread that used the pool first; unpatched, that thread
    does not run it again, so a later backup or restore, started from
    another RPC thread, waits for ever (found on 2026.1). Native threads
    need no pool to block in.
    """
    from eventlet import tpool

    def execute(meth, *args, **kwargs):
        return meth(*args, **kwargs)

    tpool.execute = execute


def cinder_chooses_concurrency():
    """Whether Cinder itself picks eventlet or native threads per process.

    From 2026.2 ``cinder.monkey_patch`` decides (from
    ``OS_CINDER_DISABLE_EVENTLET_PATCHING``) and everything else, such as
    the RPC servers' executor, follows it; before, each ``cinder-*``
    command patches unconditionally.
    """
    return importlib.util.find_spec('cinder.monkey_patch') is not None


def _serve_rpc_on_native_threads():
    """Make Cinder's RPC servers in this process use native threads.

    Before 2026.2 ``cinder.rpc.get_server`` always asks oslo.messaging for
    its eventlet executor. Unpatched, the listener (a native thread) hands
    each message to a green thread on its own hub, which it never runs: no
    message is ever processed, and stopping the server waits for those
    green threads for ever. 2026.2 picks the threading executor in an
    unpatched process; this gives the older releases the same rule.
    """
    import oslo_messaging
    from oslo_messaging.rpc import dispatcher

    from cinder import rpc

    def get_server(target, endpoints, serializer=None):
        if rpc.TRANSPORT is None:
            raise AssertionError('RPC transport is not initialized.')
        return oslo_messaging.get_rpc_server(
            rpc.TRANSPORT, target, endpoints,
            executor='eventlet' if is_monkey_patched() else 'threading',
            serializer=rpc.RequestContextSerializer(serializer),
            access_policy=dispatcher.DefaultRPCAccessPolicy)

    rpc.get_server = get_server


def sleep_running_green_timers(seconds):
    """Sleep; where oslo.service's timers are green threads, run them.

    Without a threading backend (2025.1; 2025.2 and 2026.1 where cotyledon
    is missing) oslo.service's looping calls and timers are green threads
    of the thread that started them. In a process that is not
    monkey-patched they run only while that thread waits in eventlet:
    cinder-backup sets its driver up in such a looping call, so until the
    thread that started it sleeps this way the backup service reports
    itself not working. Elsewhere this is ``time.sleep``.
    """
    if has_threading_backend():
        time.sleep(seconds)
    else:
        import eventlet
        eventlet.sleep(seconds)


def monkey_patch_as_cinder_volume():
    """Patch this process with eventlet as cinder-volume does at start.

    For processes that stand in for cinder-volume (the benchmark's
    workers): call it before anything else is imported. 2026.2 decides in
    ``cinder.monkey_patch`` (``OS_CINDER_DISABLE_EVENTLET_PATCHING`` can
    turn patching off); earlier releases always patch everything.
    """
    if cinder_chooses_concurrency():
        from cinder import monkey_patch
        monkey_patch.patch()
    else:
        import eventlet
        eventlet.monkey_patch()


def is_monkey_patched():
    """Whether eventlet has patched this process's sockets or threads."""
    try:
        from eventlet import patcher
    except ImportError:
        return False
    return any(patcher.is_monkey_patched(name)
               for name in ('socket', 'thread', 'select'))


def cinder_major():
    """The major version of the installed Cinder (26 is 2025.1)."""
    from cinder import version
    return int(version.version_info.release_string().split('.')[0])


def os_brick_discovery_client_configurable():
    """Whether os-brick reads where the discovery-client is from its config.

    os-brick 7.0 (Cinder 2026.1) added ``lightos_discovery_client_address``,
    ``_port`` and ``_dir_path`` to ``[os_brick]``; earlier releases always
    use localhost:6060 and /etc/discovery-client/discovery.d.
    """
    from os_brick.initiator.connectors import lightos  # noqa: F401
    from oslo_config import cfg
    try:
        cfg.CONF.os_brick.lightos_discovery_client_port
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return False
    return True


def tls_versions_chosen(connection):
    """Whether a urllib3 HTTPS connection asks for particular TLS versions.

    urllib3 2 (2026.1 on) takes ``ssl_minimum_version`` and
    ``ssl_maximum_version`` besides ``ssl_version``; urllib3 1.26 (2025.1,
    2025.2) has only ``ssl_version``.
    """
    return any(getattr(connection, name, None) is not None
               for name in ('ssl_version', 'ssl_minimum_version',
                            'ssl_maximum_version'))


def cinder_db_models():
    """Cinder's database models module.

    ``cinder.db.models`` from 2026.2 on, ``cinder.db.sqlalchemy.models``
    before.
    """
    try:
        from cinder.db import models
    except ImportError:
        from cinder.db.sqlalchemy import models
    return models


def cinder_db_engine():
    """The SQLAlchemy engine of Cinder's database in this process.

    ``cinder.db.api.get_engine`` from 2026.2 on; before, the database API
    lived in ``cinder.db.sqlalchemy.api``.
    """
    from cinder.db import api
    if hasattr(api, 'get_engine'):
        return api.get_engine()
    from cinder.db.sqlalchemy import api as sqlalchemy_api
    return sqlalchemy_api.get_engine()
