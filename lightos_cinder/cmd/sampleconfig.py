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

"""``lightos-cinder sample-config``: the backend section, commented."""

import io
import sys

from oslo_config import cfg
from oslo_config import generator

import lightos_cinder

PREFACE = """\
# Sample backend section of cinder.conf for the Lightbits LightOS driver
# (lightos-cinder %(version)s, driver %(driver)s).
#
# Rename [backend] to the backend's name, list that name in
# [DEFAULT] enabled_backends, and uncomment what you set. Options shared by
# every backend may go into [backend_defaults] instead. Check the result
# with: lightos-cinder check-config --config-file /etc/cinder/cinder.conf
#
"""


def sample(wrap_width=79):
    """The sample configuration as text (needs the package installed)."""
    conf = cfg.ConfigOpts()
    generator.register_cli_opts(conf)
    conf(['--namespace', 'lightos_cinder', '--wrap-width',
          str(wrap_width)], project='lightos-cinder')
    out = io.StringIO()
    generator.generate(conf, output_file=out)
    text = out.getvalue()
    if '[backend]' not in text:
        raise RuntimeError('the oslo.config.opts entry point lightos_cinder '
                           'is not installed; pip install the package')
    return PREFACE % {'version': lightos_cinder.__version__,
                      'driver': lightos_cinder.DRIVER_VERSION} + text


def _main(args):
    text = sample()
    if args.output_file:
        with open(args.output_file, 'w') as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def register(subparsers):
    parser = subparsers.add_parser(
        'sample-config', help='print a commented sample backend section',
        description='Print the backend section of cinder.conf for this '
                    'driver with every option, its type, default and help '
                    '(the same as tox -e genconfig, without a checkout).')
    parser.add_argument('--output-file', help='write it here instead')
    parser.set_defaults(func=_main)
