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

"""A chaos soak: random Cinder operations, faults and kills, invariants.

Usage: ``tox -e soak -- --ops N --seed S`` (or ``python tools/soak/run.py``).
Everything random comes from the seed, which is printed: a run is repeated
by passing it again (timing can still differ, so a repeat is close, not
identical). See doc/source/reliability.rst.
"""

import argparse
import collections
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import chaos as chaos_mod  # noqa: E402
import cleanup  # noqa: E402
import plan  # noqa: E402
import simproc  # noqa: E402
import views  # noqa: E402
import workerproc  # noqa: E402

OUTCOMES = ('ok', 'raised', 'hung', 'killed')
# The soak's own overrides of the backend section: a hung node costs at
# most this read timeout, so a thousand operations stay within minutes.
BACKEND_OPTIONS = {'lightos_api_service_timeout': '5'}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='soak', description='Random Cinder operations against the '
        'LightOS simulator under random faults and SIGKILLs of '
        'cinder-volume; checks that Cinder and the cluster agree, that no '
        'host keeps access it should not have, and that nothing leaks.')
    parser.add_argument('--ops', type=int, default=300,
                        help='operations to run (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=None,
                        help='seed of every random choice (default: new)')
    parser.add_argument('--fault-rate', type=float, default=0.3,
                        help='chance of a cluster fault per operation '
                             '(default: %(default)s)')
    parser.add_argument('--kill-rate', type=float, default=0.03,
                        help='chance of a SIGKILL of cinder-volume per '
                             'operation (default: %(default)s)')
    parser.add_argument('--workdir', default=None,
                        help='keep logs and databases here (default: a '
                             'temporary directory, removed after a clean '
                             'run)')
    parser.add_argument('--verbose', action='store_true',
                        help='print every operation')
    return parser.parse_args(argv)


def _with_options(section, options):
    lines = section.splitlines()
    names = set(options)
    lines = [line for line in lines
             if line.partition('=')[0].strip() not in names]
    return '\n'.join(lines + ['%s = %s' % item
                              for item in sorted(options.items())]) + '\n'


class Soak:
    def __init__(self, args, workdir):
        self.args = args
        self.rng = random.Random(args.seed)
        self.workdir = workdir
        self.sim = simproc.SimulatorProcess(workdir)
        self.worker = workerproc.WorkerProcess(workdir)
        self.cinder_log = os.path.join(workdir, 'cinder.log')
        self.cinder = views.CinderView(os.path.join(workdir,
                                                    'cinder.sqlite'))
        self.table = collections.defaultdict(collections.Counter)
        self.seconds = collections.defaultdict(list)
        self.violations = []
        self.planner = None
        self.chaos = None
        self.cleaner = None
        self._standing = set()
        # Attachments whose detach was asked for (see views.check).
        self.leaving = set()

    def start(self):
        self.sim.start()
        for project in plan.LIGHTOS_PROJECTS:
            self.sim.admin('POST', '/projects', {'name': project})
        policy = self.sim.admin('POST', '/qos-policies',
                                {'name': 'soak-limited'})['UUID']
        types = plan.volume_types(policy)
        setup = {'backend_section': _with_options(self.sim.backend_section,
                                                  BACKEND_OPTIONS),
                 'types': types}
        with open(os.path.join(self.workdir, 'soak.json'), 'w') as handle:
            json.dump(setup, handle)
        self.worker.start()
        self.planner = plan.Planner(self.rng, types)
        self.chaos = chaos_mod.Chaos(self.rng, self.sim, self.sim.nodes)

    def stop(self):
        self.worker.stop()
        self.sim.stop()

    def restart(self):
        """Start cinder-volume again; then recover as Nova would."""
        self.worker.kill()
        self.worker.start()
        volumes, _ = self.cinder.read()
        for volume in volumes.values():
            for attachment in volume.attachments:
                if attachment.status != 'attached':
                    # Nova's attach failed with the kill: it deletes the
                    # attachment it was making.
                    self.call('detach', {'attachment_id': attachment.id})

    def call(self, op, args, kill_after=None):
        """Run one command: the outcome, the worker's detail, seconds."""
        if not self.worker.alive:
            self.restart()
        if op == 'detach':
            self.leaving.add(args['attachment_id'])
        timer = (self.worker.kill_later(kill_after)
                 if kill_after is not None else None)
        started = time.monotonic()
        try:
            answer = self.worker.call(op, args)
        except workerproc.WorkerDied as exc:
            elapsed = time.monotonic() - started
            self.restart()
            return 'killed', str(exc), elapsed
        finally:
            if timer is not None:
                timer.cancel()
        return (answer['outcome'], answer.get('detail', ''),
                time.monotonic() - started)

    def step(self, number):
        volumes, snapshots = self.cinder.read()
        kind, command = self.planner.next(volumes, snapshots)
        # Every draw happens before anything runs, so the seed alone
        # decides the sequence of choices.
        fault = (self.chaos.draw(volumes)
                 if self.rng.random() < self.args.fault_rate else None)
        during = self.rng.random() < 0.5
        delay = self.rng.uniform(0, 0.3)
        kill_after = (self.rng.uniform(0, 1.5)
                      if self.rng.random() < self.args.kill_rate else None)
        clear_after = self.rng.random() < 0.6
        if fault is not None and not during:
            self.chaos.inject(fault)
        timer = None
        if fault is not None and during:
            timer = _later(delay, self.chaos.inject, fault)
        outcome, detail, elapsed = self.call(command['op'], command['args'],
                                             kill_after)
        if timer is not None:
            timer.join()
        if outcome == 'hung':
            # An operator restarts a cinder-volume that stopped answering.
            self.restart()
        self._track_pool(command, outcome)
        self.table[kind][outcome] += 1
        self.seconds[kind].append(elapsed)
        if clear_after:
            self.chaos.clear()
        line = 'step %d: %s %s -> %s in %.2fs; fault %s%s%s' % (
            number, kind, json.dumps(command['args']), outcome, elapsed,
            self.chaos.describe(fault),
            ' (during)' if during and fault else '',
            (': ' + detail) if detail else '')
        # Every step in full in the workdir, for the diagnosis of a finding.
        with open(os.path.join(self.workdir, 'steps.log'), 'a') as log:
            log.write(line + '\n')
        if self.args.verbose or outcome != 'ok':
            print(line[:400])
        self.check(number, '%s %s' % (kind, outcome))

    def _track_pool(self, command, outcome):
        if 'pool' not in command:
            return
        entry = command['pool']
        if command['op'] == 'unmanage' and outcome == 'ok':
            self.planner.unmanaged.append(entry)
        elif command['op'] == 'unmanage' and outcome == 'killed':
            # The kill may have come before or after Cinder let go.
            volumes, _ = self.cinder.read()
            if command['args']['volume_id'] not in volumes:
                self.planner.unmanaged.append(entry)
        elif command['op'] == 'manage' and outcome == 'ok':
            self.planner.unmanaged.remove(entry)

    def check(self, number, what):
        """Record violations; one that persists is reported once."""
        volumes, snapshots = self.cinder.read()
        seen, self._standing = self._standing, set()
        for problem in views.check(volumes, snapshots, self.sim.state(),
                                   leaving=self.leaving):
            self._standing.add(problem)
            if problem in seen:
                continue
            self.violations.append((number, what, problem))
            print('VIOLATION seed %s step %d (%s): %s' % (
                self.args.seed, number, what, problem))

    def run(self):
        for number in range(1, self.args.ops + 1):
            self.step(number)
            if number % 50 == 0:
                print('... %d ops, %d violations' % (number,
                                                     len(self.violations)))
                sys.stdout.flush()
        self.chaos.clear()
        self.cleaner = cleanup.Cleanup(self)
        return self.cleaner.run()


def _later(delay, func, *args):
    thread = threading.Timer(delay, func, args)
    thread.daemon = True
    thread.start()
    return thread


def _times(seconds):
    if not seconds:
        return ('-', '-')
    return ('%.2f' % (sum(seconds) / len(seconds)), '%.1f' % max(seconds))


def report(soak, leaks):
    rows = [('operation',) + OUTCOMES + ('mean s', 'max s')]
    for kind in sorted(soak.table):
        rows.append((kind,) + tuple(str(soak.table[kind][o])
                                    for o in OUTCOMES) +
                    _times(soak.seconds[kind]))
    totals = collections.Counter()
    for counts in soak.table.values():
        totals.update(counts)
    rows.append(('total',) + tuple(str(totals[o]) for o in OUTCOMES) +
                _times(sum(soak.seconds.values(), [])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print('  '.join(cell.ljust(width)
                        for cell, width in zip(row, widths)))
    print('cinder-volume started %d times, killed %d times' % (
        soak.worker.starts, soak.worker.kills))
    for number, what, problem in soak.violations:
        print('violation (seed %s, step %d, %s): %s' % (
            soak.args.seed, number, what, problem))
    for record in soak.cleaner.removed:
        print('Failed on the cluster, named in an ERROR by the driver and '
              'removed by the operator: %s' % record)
    for leak in leaks:
        print('leak (seed %s): %s' % (soak.args.seed, leak))
    ops = sum(totals.values())
    # Operations the soak killed on purpose are not counted as raised.
    raised = totals['raised'] + totals['hung']
    print('soak: %d ops, %d raised, %d invariant violations, %d leaked'
          % (ops, raised, len(soak.violations), len(leaks)))


def main(argv=None):
    args = parse_args(argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 10 ** 6)
    workdir = args.workdir or tempfile.mkdtemp(prefix='lightos-soak-')
    os.makedirs(workdir, exist_ok=True)
    print('soak: seed %d, %d ops, workdir %s' % (
        args.seed, args.ops, workdir))
    sys.stdout.flush()
    soak = Soak(args, workdir)
    try:
        soak.start()
        leaks = soak.run()
    finally:
        soak.stop()
    report(soak, leaks)
    failed = bool(soak.violations or leaks)
    if not failed and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
