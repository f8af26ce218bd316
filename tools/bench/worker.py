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

"""Benchmark worker: one Cinder volume driver in its own process.

Started by driver_bench.py as ``python worker.py CINDER_CONF``. Like
cinder-volume it monkey-patches the process with eventlet first, reads the
driver class from ``volume_driver`` of each backend section of the given
cinder.conf, and sets the driver up through Cinder's ``Configuration``.
It then answers one JSON command per line on stdin with one JSON line on
the original stdout (everything else printed goes to stderr). Times are
measured here, around the driver call only.
"""

# Before any other import, as cinder-volume does.
from lightos_cinder import compat
compat.monkey_patch_as_cinder_volume()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import eventlet  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_utils import importutils  # noqa: E402

from cinder import context as cinder_context  # noqa: E402
from cinder import coordination  # noqa: E402
from cinder import objects  # noqa: E402
from cinder.volume import configuration  # noqa: E402

# As in cinder-volume: the objects exist before the manager's modules load.
objects.register_all()

from cinder.volume import manager  # noqa: E402,I202

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.functional import cinder_objects  # noqa: E402

CONF = cfg.CONF
EXTRA_SPECS = {'lightos:num_replicas': '3'}


class Objects:
    """Cinder volume, snapshot and type objects, built without a database."""

    def __init__(self):
        self.ctx = cinder_context.get_admin_context()
        self.vtype = cinder_objects.volume_type(self.ctx, EXTRA_SPECS,
                                                'lightos-bench')

    def volume(self, size=1, **updates):
        updates.setdefault('multiattach', False)
        return cinder_objects.volume(self.ctx, self.vtype, size, **updates)

    def snapshot(self, vol):
        return cinder_objects.snapshot(self.ctx, vol)

    def attach(self, vol, connector):
        """Record the attachment cinder-volume records after attach."""
        self.detach(vol)
        cinder_objects.attachment(self.ctx, vol, connector)

    def detach(self, vol):
        vol.volume_attachment = objects.VolumeAttachmentList(objects=[])


class Worker:
    """Holds the drivers (one per backend section) and the objects."""

    def __init__(self, conf_path):
        CONF(['--config-file', conf_path], project='cinder')
        coordination.COORDINATOR.start()
        self.objects = Objects()
        self.drivers = {}
        self.volumes = {}
        self.snapshots = {}
        self._bulk = []
        self.last_cpu = 0.0

    def _driver(self, backend):
        if backend not in self.drivers:
            # What cinder-volume's VolumeManager does for a backend.
            conf = configuration.Configuration(manager.volume_backend_opts,
                                               config_group=backend)
            cls = importutils.import_class(conf.volume_driver)
            drv = cls(configuration=conf, host='bench@%s' % backend)
            started = time.perf_counter()
            drv.do_setup(self.objects.ctx)
            self.drivers[backend] = drv
            self.setup_seconds = time.perf_counter() - started
        return self.drivers[backend]

    # Commands: each returns a JSON-serialisable dict.

    def cmd_setup(self, backend):
        self._driver(backend)
        return {'seconds': self.setup_seconds,
                'class': '%s.%s' % (type(self.drivers[backend]).__module__,
                                    type(self.drivers[backend]).__name__),
                'version': self.drivers[backend].VERSION}

    def cmd_forget(self):
        """Drop the Cinder objects (the cluster was reset)."""
        self.volumes.clear()
        self.snapshots.clear()
        return {}

    def _call(self, backend, method, *args):
        drv = self._driver(backend)
        cpu = time.process_time()
        started = time.perf_counter()
        result = getattr(drv, method)(*args)
        self.last_cpu = time.process_time() - cpu
        return time.perf_counter() - started, result

    def _stamp(self, vol, result):
        """Store the model update the volume manager would save."""
        for key, value in (result or {}).items():
            if key in ('provider_id', 'provider_location'):
                setattr(vol, key, value)

    def cmd_op(self, backend, op, key, source=None, size=1):
        """Time one driver operation on the objects named by the keys."""
        objs = self.objects
        if op == 'create_volume':
            vol = self.volumes[key] = objs.volume(size)
            seconds, result = self._call(backend, op, vol)
            self._stamp(vol, result)
        elif op in ('create_cloned_volume', 'create_volume_from_snapshot'):
            vol = self.volumes[key] = objs.volume(size)
            src = (self.volumes[source] if op == 'create_cloned_volume'
                   else self.snapshots[source])
            seconds, result = self._call(backend, op, vol, src)
            self._stamp(vol, result)
        elif op == 'create_snapshot':
            snap = self.snapshots[key] = objs.snapshot(self.volumes[source])
            seconds, result = self._call(backend, op, snap)
        elif op == 'initialize_connection':
            vol, conn = self.volumes[key], cinder_objects.connector(1)
            seconds, result = self._call(backend, op, vol, conn)
            objs.attach(vol, conn)
        elif op == 'terminate_connection':
            vol, conn = self.volumes[key], cinder_objects.connector(1)
            seconds, result = self._call(backend, op, vol, conn)
            objs.detach(vol)
        elif op == 'extend_volume':
            vol = self.volumes[key]
            seconds, result = self._call(backend, op, vol, size)
            vol.size = size
        elif op == 'delete_volume':
            seconds, result = self._call(backend, op, self.volumes.pop(key))
        elif op == 'delete_snapshot':
            seconds, result = self._call(backend, op,
                                         self.snapshots.pop(key))
        else:
            raise ValueError('unknown operation %s' % op)
        # The process's CPU seconds during the call (all its threads).
        return {'seconds': seconds, 'cpu': self.last_cpu}

    def cmd_try_op(self, **kwargs):
        """Like ``op``, but a failure is timed and returned, not raised."""
        started = time.perf_counter()
        try:
            self.cmd_op(**kwargs)
            error = None
        except Exception as exc:
            error = '%s: %s' % (type(exc).__name__, exc)
        return {'seconds': time.perf_counter() - started, 'error': error}

    def cmd_concurrent(self, backend, count, op='create_volume', size=1):
        """Run ``count`` operations at once in green threads; time them.

        cinder-volume runs each request in its own green thread of one
        process. ``create_volume`` makes volumes ``concurrent-<i>``;
        ``initialize_connection`` attaches volume i to host i (distinct
        volumes, distinct hosts), ``terminate_connection`` detaches it and
        ``delete_volume`` deletes it. Returns the wall time, each call's
        time, the errors, and this process's CPU seconds.
        """
        drv = self._driver(backend)
        keys = ['concurrent-%d' % index for index in range(count)]
        if op == 'create_volume':
            for key in keys:
                self.volumes[key] = self.objects.volume(size)

        def run(index):
            vol = self.volumes[keys[index]]
            conn = cinder_objects.connector(index + 1)
            started = time.perf_counter()
            try:
                if op == 'create_volume':
                    self._stamp(vol, drv.create_volume(vol))
                elif op == 'initialize_connection':
                    drv.initialize_connection(vol, conn)
                    self.objects.attach(vol, conn)
                elif op == 'terminate_connection':
                    drv.terminate_connection(vol, conn)
                    self.objects.detach(vol)
                elif op == 'delete_volume':
                    drv.delete_volume(vol)
                else:
                    raise ValueError('unknown operation %s' % op)
                error = None
            except Exception as exc:
                error = '%s: %s' % (type(exc).__name__, exc)
            return time.perf_counter() - started, error

        pool = eventlet.GreenPool(count)
        cpu = time.process_time()
        started = time.perf_counter()
        results = list(pool.imap(run, range(count)))
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        if op == 'delete_volume':
            for key in keys:
                self.volumes.pop(key, None)
        return {'seconds': wall, 'each': [r[0] for r in results],
                'errors': [r[1] for r in results if r[1]], 'cpu': cpu}

    def cmd_provider_info(self, backend, count):
        """update_provider_info over ``count`` volumes without provider_id.

        The objects are built before the clock starts (once: neither driver
        changes them here), so only the driver's own work is timed.
        """
        drv = self._driver(backend)
        if len(self._bulk) != count:
            self._bulk = [self.objects.volume(1) for _ in range(count)]
        vols = self._bulk
        started = time.perf_counter()
        updates, _ = drv.update_provider_info(vols, [])
        seconds = time.perf_counter() - started
        return {'seconds': seconds, 'updates': len(updates or ())}

    def cmd_stats(self, backend):
        drv = self._driver(backend)
        started = time.perf_counter()
        stats = drv.get_volume_stats(refresh=True)
        seconds = time.perf_counter() - started
        return {'seconds': seconds,
                'free_capacity_gb': stats.get('free_capacity_gb'),
                'total_capacity_gb': stats.get('total_capacity_gb')}

    def cmd_failover(self, backend, key, calls):
        """Time ``calls`` consecutive attaches+detaches of one volume."""
        drv = self._driver(backend)
        vol, times = self.volumes[key], []
        for _ in range(calls):
            started = time.perf_counter()
            drv.initialize_connection(vol, cinder_objects.connector(1))
            times.append(time.perf_counter() - started)
            self.objects.attach(vol, cinder_objects.connector(1))
            drv.terminate_connection(vol, cinder_objects.connector(1))
            self.objects.detach(vol)
        return {'seconds': times}


def serve(worker, requests, answers):
    for line in requests:
        command = json.loads(line)
        name = command.pop('cmd')
        if name == 'quit':
            break
        try:
            answer = {'ok': getattr(worker, 'cmd_' + name)(**command)}
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            answer = {'error': '%s: %s' % (type(exc).__name__, exc)}
        answers.write(json.dumps(answer) + '\n')
        answers.flush()


def main(conf_path):
    # Keep the protocol channel clean: whatever the driver or its libraries
    # print ends up on stderr.
    answers = os.fdopen(os.dup(1), 'w')
    os.dup2(2, 1)
    try:
        worker = Worker(conf_path)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        answers.write(json.dumps({'error': '%s: %s' % (
            type(exc).__name__, exc)}) + '\n')
        answers.flush()
        return 1
    answers.write(json.dumps({'ok': {'pid': os.getpid()}}) + '\n')
    answers.flush()
    try:
        serve(worker, sys.stdin, answers)
    finally:
        coordination.COORDINATOR.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
