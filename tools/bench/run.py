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

"""Run the lightos-cinder benchmarks against the LightOS simulator.

Usage: ``python tools/bench/run.py [SECTION ...] [options]``, or
``tox -e bench -- [SECTION ...] [options]``.

Each section is a module in this directory that provides ``DESCRIPTION``,
``add_arguments(parser)`` and ``run(args, sim)``; register it in SECTIONS.
``--smoke`` runs every section once with small counts (CI runs that).
All sections share one simulator (3 nodes, TLS, auth), reset between them.
Figures are measured in this run only.
"""

import argparse
import importlib
import logging
import os
import sys

# Section name -> module in this directory.
SECTIONS = {
    'transport': 'transport_bench',
    'driver': 'driver_bench',
    'hostcopy': 'hostcopy_bench',
}


def _load(name):
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module(SECTIONS[name])


def build_parser(modules):
    parser = argparse.ArgumentParser(
        description='Benchmarks of lightos-cinder against the simulator.')
    parser.add_argument('sections', nargs='*', metavar='SECTION',
                        help='sections to run (default: all): %s' %
                             ', '.join('%s (%s)' % (name, mod.DESCRIPTION)
                                       for name, mod in modules.items()))
    parser.add_argument('--verbose', action='store_true',
                        help='show the log messages of the package')
    parser.add_argument('--smoke', action='store_true',
                        help='one repetition and small counts: checks that '
                             'every section still runs (for CI); its '
                             'figures are not meaningful')
    for module in modules.values():
        module.add_arguments(parser)
    return parser


def main(argv=None):
    modules = {name: _load(name) for name in SECTIONS}
    args = build_parser(modules).parse_args(argv)
    args.command_line = ['python', 'tools/bench/run.py'] + list(
        sys.argv[1:] if argv is None else argv)
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        print('unknown section(s): %s; choose from %s' %
              (', '.join(unknown), ', '.join(SECTIONS)), file=sys.stderr)
        return 2

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format='%(levelname)s %(name)s: %(message)s')

    from lightos_cinder.simulator import Simulator

    status = 0
    with Simulator(nodes=3, tls=True, auth=True) as sim:
        for name in args.sections or list(SECTIONS):
            print('== %s: %s' % (name, modules[name].DESCRIPTION))
            sim.reset()
            sim.clear_faults()
            status = modules[name].run(args, sim) or status
            print()
    return status


if __name__ == '__main__':
    sys.exit(main())
