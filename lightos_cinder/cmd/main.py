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

# Sub-command name, the module that provides ``register(subparsers)`` (which
# adds the sub-command with ``func`` set to a callable taking the parsed
# arguments and returning an exit status) and a one-line summary. Only the
# module of the sub-command that runs is imported: the demo must choose
# oslo.service's threading backend before anything imports Cinder, and the
# simulator must run where Cinder is not installed.
_COMMANDS = (
    ('check-config', 'lightos_cinder.checkconfig',
     'check a LightOS backend of cinder.conf'),
    ('sample-config', 'lightos_cinder.cmd.sampleconfig',
     'print a commented sample backend section'),
    ('demo', 'lightos_cinder.demo.cli',
     'run the multi-tenancy story through Cinder against the embedded '
     'simulator'),
    ('simulator', 'lightos_cinder.simulator.cli',
     'run a simulated LightOS cluster on loopback addresses'),
)


# Modules that the driver's requirements do not bring, and the extra of
# setup.cfg that does.
_EXTRAS = {'jwt': 'simulator', 'cryptography': 'simulator',
           'cinder': 'cinder'}


def _load(parser, name, module_name):
    """Import a sub-command's module; name the missing extra if it fails."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = (exc.name or '').split('.')[0]
        if missing not in _EXTRAS:
            raise
        parser.exit(2, 'lightos-cinder %s needs the Python module %s, which '
                       'is not installed: pip install "lightos-cinder[%s]"\n'
                    % (name, missing, _EXTRAS[missing]))


def _quiet_imports():
    """Keep import-time deprecation notices of libraries out of the output.

    Cinder imports eventlet, which warns on import; the commands do not use
    it, and operators read their output.
    """
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')


def _chosen(argv):
    """The sub-command named in ``argv``, or None."""
    for arg in argv:
        if not arg.startswith('-'):
            return arg
    return None


def build_parser(argv=None):
    """The command's parser, with the sub-command of ``argv`` complete.

    Without ``argv`` every sub-command module is imported and registered;
    with it, only the one it names (the others get a summary only).
    """
    parser = argparse.ArgumentParser(
        prog='lightos-cinder',
        description='Tools of the Cinder driver for Lightbits LightOS.')
    parser.add_argument('--version', action='version',
                        version='lightos-cinder %s (driver %s)' % (
                            lightos_cinder.__version__,
                            lightos_cinder.DRIVER_VERSION))
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND')
    _quiet_imports()
    chosen = _chosen(argv) if argv is not None else None
    for name, module_name, summary in _COMMANDS:
        if argv is None or chosen == name:
            _load(parser, name, module_name).register(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, 'func', None):
        parser.print_help()
        return 2
    return args.func(args) or 0


if __name__ == '__main__':
    sys.exit(main())
