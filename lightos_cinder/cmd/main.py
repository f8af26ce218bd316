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

"""The ``lightos-cinder`` command and its sub-commands."""

import argparse
import importlib
import sys
import warnings

import lightos_cinder

# Each module named here provides ``register(subparsers)``, which adds one
# sub-command whose parser has ``func`` set to a callable taking the parsed
# arguments and returning an exit status.
_COMMAND_MODULES = (
    'lightos_cinder.checkconfig',
    'lightos_cinder.demo.cli',
    'lightos_cinder.simulator.cli',
)


def _quiet_imports():
    """Keep import-time deprecation notices of libraries out of the output.

    Cinder imports eventlet, which warns on import; the commands do not use
    it, and operators read their output.
    """
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')


def build_parser():
    parser = argparse.ArgumentParser(
        prog='lightos-cinder',
        description='Tools of the Cinder driver for Lightbits LightOS.')
    parser.add_argument('--version', action='version',
                        version=lightos_cinder.__version__)
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND')
    _quiet_imports()
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, 'func', None):
        parser.print_help()
        return 2
    return args.func(args) or 0


if __name__ == '__main__':
    sys.exit(main())
