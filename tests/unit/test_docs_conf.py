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

"""The docs build stops when the option reference would render empty."""

import os
import subprocess
import sys

CONF = os.path.join(os.path.dirname(__file__), '..', '..', 'doc', 'source',
                    'conf.py')


def _load_conf(*flags):
    return subprocess.run([sys.executable] + list(flags) + [CONF],
                          capture_output=True, text=True, timeout=60)


def test_conf_loads_where_the_package_is_installed():
    done = _load_conf()
    assert done.returncode == 0, done.stderr


def test_conf_fails_without_the_options_entry_point():
    # -S leaves site-packages out: no installed distribution, so no
    # oslo.config.opts entry point, as in a docs build without the package.
    done = _load_conf('-S')
    assert done.returncode != 0
    assert ('The lightos_cinder oslo.config.opts entry point is not '
            'installed') in done.stderr
    assert 'option reference would be empty' in done.stderr
