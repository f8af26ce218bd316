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

"""Benchmark section: host-copy throughput against a plain dd.

Cross-project clones, volumes from another project's snapshot and backups
move their data through the cinder-volume host with ``hostcopy.copy_data``
between two attached namespaces. Here both are the data plane's devices
(loop devices over the simulator's sparse volume files, what an attach
through the discovery-client shows the host), of the same size, and each
copy goes to a fresh, empty target. The machine's limit is a plain ``dd``
with direct I/O and large blocks between the same kind of devices, timed
in the same run, alternating which goes first.
"""

import os
import shutil
import statistics
import subprocess
import tempfile
import time

from lightos_cinder.simulator import blockdev
from lightos_cinder.volume import hostcopy

DESCRIPTION = 'host-copy throughput vs dd with direct I/O'
GIB = 1024 ** 3
MIB = 1024 ** 2
# Source layouts: 'full' is written everywhere (the throughput case);
# 'sparse' has data in three of every four 64 MiB regions and a hole in the
# fourth (a thin volume in use), which the copy must not write.
REGION = 64 * MIB
LAYOUTS = ('full', 'sparse')
DD_BLOCK = '16M'
BLOCKSIZE = '1M'    # volume_dd_blocksize's default
GOAL = 0.8


def add_arguments(parser):
    group = parser.add_argument_group('hostcopy')
    group.add_argument('--hostcopy-sizes',
                       help='comma-separated volume sizes in GiB (default '
                            '1,4; smoke 1)')
    group.add_argument('--hostcopy-repetitions', type=int,
                       help='copies timed per method and size (default 3; '
                            'smoke 1)')
    group.add_argument('--hostcopy-layouts',
                       help='comma-separated source layouts: full, sparse '
                            '(default both; smoke sparse)')
    group.add_argument('--hostcopy-dir',
                       help='where the volume files go (default: a '
                            'temporary directory)')


def _fill(path, size, layout):
    """A source file of ``layout``: random-looking data, maybe holes."""
    block = os.urandom(4 * MIB)
    with open(path, 'wb') as handle:
        handle.truncate(size)
        for region in range(size // REGION):
            if layout == 'sparse' and region % 4 == 3:
                continue
            handle.seek(region * REGION)
            for _ in range(REGION // len(block)):
                handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())


def _allocated(path):
    return os.stat(path).st_blocks * 512


def _dd(source, target, size_gb, blocksize):
    subprocess.run(['dd', 'if=%s' % source, 'of=%s' % target,
                    'bs=%s' % DD_BLOCK, 'iflag=direct', 'oflag=direct',
                    'status=none'], check=True)


METHODS = {'dd': _dd, 'driver': hostcopy.copy_data}


def _one_copy(devices, workdir, source, size_gb, method, blocksize):
    """Time one copy into a fresh target; return seconds, bytes written."""
    target_file = os.path.join(workdir, 'target-%s.img' % method)
    with open(target_file, 'wb') as handle:
        handle.truncate(size_gb * GIB)
    target = devices.expose('target-%s' % method, target_file).node
    try:
        started = time.perf_counter()
        METHODS[method](source, target, size_gb, blocksize)
        seconds = time.perf_counter() - started
    finally:
        devices.withdraw('target-%s' % method)
    written = _allocated(target_file)
    os.unlink(target_file)
    return seconds, written


def _measure(workdir, cases, reps):
    devices = blockdev.DeviceSet()
    results = {}
    try:
        for layout, size_gb in cases:
            source_file = os.path.join(workdir, 'source.img')
            _fill(source_file, size_gb * GIB, layout)
            source = devices.expose('source', source_file).node
            entry = results[(layout, size_gb)] = {
                'source_allocated': _allocated(source_file),
                'load': [], 'dd': [], 'driver': [], 'written': {}}
            for rep in range(reps):
                order = ['dd', 'driver'] if rep % 2 == 0 else [
                    'driver', 'dd']
                for method in order:
                    seconds, written = _one_copy(
                        devices, workdir, source, size_gb, method, BLOCKSIZE)
                    entry[method].append(seconds)
                    entry['written'][method] = written
                entry['load'].append(os.getloadavg()[0])
            devices.withdraw('source')
            os.unlink(source_file)
    finally:
        devices.close()
    return results


def _print(results, reps):
    print('Copy between two data-plane devices of the same size (loop '
          'devices over sparse volume files), into a fresh target; source '
          'full, or sparse (data in 3 of every 4 64-MiB regions); median of '
          '%d; load = highest 1-minute load average' % reps)
    print('  %-6s %-5s %-26s %-26s %7s %14s %5s' % (
        'source', 'size', 'dd bs=%s direct' % DD_BLOCK, 'driver copy_data',
        'drv/dd', 'written MiB', 'load'))
    rows = []
    for (layout, size_gb), entry in results.items():
        throughput = {}
        cells = {}
        for method in ('dd', 'driver'):
            times = entry[method]
            med = statistics.median(times)
            throughput[method] = size_gb * GIB / med
            cells[method] = '%6.2f s %7.0f MiB/s' % (
                med, throughput[method] / MIB)
        ratio = throughput['driver'] / throughput['dd']
        print('  %-6s %-5s %-26s %-26s %6.2fx %6.0f/%-6.0f %5.1f' % (
            layout, '%d GiB' % size_gb, cells['dd'], cells['driver'], ratio,
            entry['written']['driver'] / MIB,
            entry['source_allocated'] / MIB, max(entry['load'])))
        skipped = (entry['written']['driver'] <=
                   entry['source_allocated'] + 64 * MIB)
        rows.append((layout, size_gb, ratio, skipped))
    print('  (written MiB = blocks allocated on the target by the driver\'s '
          'copy / allocated on the source: holes stay holes)')
    print()
    print('Targets (reported, not asserted)')
    for layout, size_gb, ratio, skipped in rows:
        print('  %-58s %-28s %s' % (
            'host copy, %s %d GiB >= %.1fx of dd, holes skipped' % (
                layout, size_gb, GOAL), '%.2fx, %s' % (
                    ratio, 'holes skipped' if skipped else 'holes written'),
            'met' if ratio >= GOAL and skipped else 'NOT met'))


def run(args, sim):
    missing = blockdev.missing_requirements() or (
        None if shutil.which('dd') else 'needs dd (coreutils)')
    if missing:
        print('skipped: the data plane\'s devices %s' % missing)
        return 0
    sizes = [int(s) for s in (args.hostcopy_sizes or (
        '1' if args.smoke else '1,4')).split(',') if s]
    layouts = (args.hostcopy_layouts or (
        'sparse' if args.smoke else ','.join(LAYOUTS))).split(',')
    unknown = set(layouts) - set(LAYOUTS)
    if unknown:
        print('unknown layout(s) %s; choose from %s' % (
            ', '.join(sorted(unknown)), ', '.join(LAYOUTS)))
        return 2
    reps = args.hostcopy_repetitions or (1 if args.smoke else 3)
    cases = [(layout, size) for size in sizes for layout in layouts]
    with tempfile.TemporaryDirectory(prefix='lightos-hostcopy-',
                                     dir=args.hostcopy_dir) as workdir:
        results = _measure(workdir, cases, reps)
    _print(results, reps)
    return 0
