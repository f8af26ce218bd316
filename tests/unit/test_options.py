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

"""Option definitions: compatibility with Cinder's in-tree LightOS driver."""

import importlib

from oslo_config import cfg
import pytest

from lightos_cinder import compat
from lightos_cinder import options


def _in_tree_opts():
    module = importlib.import_module('cinder.volume.drivers.lightos')
    return {opt.name: opt for opt in module.lightos_opts}


def _ours():
    return {opt.name: opt for opt in options.lightos_opts}


def _parsed_default(opt):
    return None if opt.default is None else opt.type(opt.default)


IN_TREE = _in_tree_opts()

# Where the in-tree driver of a Cinder release (by major version) defines a
# shared option differently from this package, and how. Before 2026.2 the
# in-tree lightos_jwt is not secret (cinder-volume logs the token with its
# configuration at start-up); this package keeps it secret on every release.
_JWT_NOT_SECRET = {'lightos_jwt': {'secret': False}}
IN_TREE_DIFFERENCES = {
    26: _JWT_NOT_SECRET,
    27: _JWT_NOT_SECRET,
    28: _JWT_NOT_SECRET,
}


def _expected_in_tree(name, ours):
    expected = {'type': ours.type, 'default': _parsed_default(ours),
                'secret': ours.secret}
    release = IN_TREE_DIFFERENCES.get(compat.cinder_major(), {})
    expected.update(release.get(name, {}))
    return expected


@pytest.mark.parametrize('name', sorted(IN_TREE))
def test_in_tree_option_kept(name):
    theirs = IN_TREE[name]
    ours = _ours().get(name)
    assert ours is not None, '%s is missing' % name
    assert type(ours) is type(theirs)
    assert _expected_in_tree(name, ours) == {
        'type': theirs.type, 'default': _parsed_default(theirs),
        'secret': theirs.secret}


def test_new_options_do_not_reuse_in_tree_names():
    assert not {opt.name for opt in options.driver_opts} & set(IN_TREE)


def test_every_option_has_help_and_the_jwt_is_secret():
    for opt in options.lightos_opts:
        assert opt.help and len(opt.help) > 20, opt.name
    assert _ours()['lightos_jwt'].secret


def test_list_opts_covers_every_option_as_copies():
    (group, opts), = options.list_opts()
    assert group == 'backend'
    assert [o.name for o in opts] == [
        'volume_driver', 'volume_backend_name', 'driver_ssl_cert_verify',
        'driver_ssl_cert_path'] + [o.name for o in options.lightos_opts]
    assert opts[0].default == 'lightos_cinder.driver.LightOSVolumeDriver'
    assert all(a is not b for a, b in zip(opts[4:], options.lightos_opts))


def test_options_parse_from_a_backend_section(tmp_path):
    conf_file = tmp_path / 'cinder.conf'
    conf_file.write_text('[lightos]\n'
                         'lightos_api_address = 10.0.0.1,fd00::2\n'
                         'lightos_api_port = 18443\n'
                         'lightos_default_num_replicas = 2\n')
    conf = cfg.ConfigOpts()
    conf.register_opts(options.lightos_opts, group='lightos')
    conf(['--config-file', str(conf_file)])
    assert conf.lightos.lightos_api_address == ['10.0.0.1', 'fd00::2']
    assert conf.lightos.lightos_api_port == 18443
    assert conf.lightos.lightos_default_num_replicas == 2
    assert conf.lightos.lightos_api_connect_timeout == 3.0


def test_replica_count_out_of_range_is_rejected(tmp_path):
    conf_file = tmp_path / 'cinder.conf'
    conf_file.write_text('[lightos]\nlightos_default_num_replicas = 5\n')
    conf = cfg.ConfigOpts()
    conf.register_opts(options.lightos_opts, group='lightos')
    conf(['--config-file', str(conf_file)])
    with pytest.raises(cfg.ConfigFileValueError):
        conf.lightos.lightos_default_num_replicas
